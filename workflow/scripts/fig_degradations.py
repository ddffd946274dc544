from textsr.util.logs import to_file
from textsr.report.degradations import plot_hmean_by_degradation

with to_file(snakemake.log[0]):
    plot_hmean_by_degradation(snakemake.input.detection, snakemake.input.comparisons, snakemake.output.pdf,
                              snakemake.output.png, margin=snakemake.params.margin)
