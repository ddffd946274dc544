from textsr.util.logs import to_file
from textsr.report.recognition import plot_recognition

with to_file(snakemake.log[0]):
    plot_recognition(snakemake.input.recognition, snakemake.input.detection, snakemake.output.pdf,
                     snakemake.output.png)
