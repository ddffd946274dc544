from textsr.util.logs import to_file
from textsr.report.markup import write_latex_tables

with to_file(snakemake.log[0]):
    write_latex_tables(snakemake.input.detection, snakemake.input.sr, snakemake.output[0])
