from textsr.util.logs import to_file
from textsr.report.recognition import write_recognition_table

with to_file(snakemake.log[0]):
    write_recognition_table(list(snakemake.input), snakemake.params.rows, snakemake.output[0],
                            averages=snakemake.params.averages)
