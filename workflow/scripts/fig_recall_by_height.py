from textsr.util.logs import to_file
from textsr.report.strata import plot_recall_by_height

with to_file(snakemake.log[0]):
    plot_recall_by_height(snakemake.input[0], snakemake.output.pdf, snakemake.output.png)
