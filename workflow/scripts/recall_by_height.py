from textsr.util.logs import to_file
from textsr.report.comparisons import write_strata_table

with to_file(snakemake.log[0]):
    write_strata_table(snakemake.params.evals, snakemake.output[0], bins=snakemake.params.bins)
