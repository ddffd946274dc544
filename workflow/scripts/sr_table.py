from textsr.util.logs import to_file
from textsr.report.tables import write_sr_table

with to_file(snakemake.log[0]):
    write_sr_table(list(snakemake.input), snakemake.params.rows, snakemake.output[0])
