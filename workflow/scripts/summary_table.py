from textsr.util.logs import to_file
from textsr.report.comparisons import write_summary_table

with to_file(snakemake.log[0]):
    write_summary_table(snakemake.input.detection, snakemake.input.sr, snakemake.output[0])
