from textsr.util.logs import to_file
from textsr.report.hmean import plot_hmean

with to_file(snakemake.log[0]):
    plot_hmean(snakemake.input.detection, snakemake.output.pdf, snakemake.output.png,
               comparisons_csv=snakemake.input.comparisons)
