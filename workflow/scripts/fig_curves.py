from textsr.util.logs import to_file
from textsr.report.curves import plot_curves

with to_file(snakemake.log[0]):
    plot_curves(snakemake.params.conditions, list(snakemake.input), snakemake.output.pdf, snakemake.output.png)
