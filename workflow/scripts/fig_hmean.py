from textsr.logs import to_file
from textsr.report.hmean import plot_hmean

with to_file(snakemake.log[0]):
    plot_hmean(snakemake.input[0], snakemake.output.pdf, snakemake.output.png)
