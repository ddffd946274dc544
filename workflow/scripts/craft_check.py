from textsr.util.logs import to_file
from textsr.report.reproduction import craft_check

with to_file(snakemake.log[0]):
    craft_check(snakemake.input[0], snakemake.params.references, snakemake.output[0], echo=True)
