from textsr.util.logs import to_file
from textsr.report.markup import write_detection_markdown

with to_file(snakemake.log[0]):
    write_detection_markdown(snakemake.input[0], snakemake.output[0])
