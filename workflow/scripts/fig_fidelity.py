from textsr.util.logs import to_file
from textsr.report.fidelity import plot_fidelity

with to_file(snakemake.log[0]):
    plot_fidelity(snakemake.input.detection, snakemake.input.sr, snakemake.output.pdf, snakemake.output.png)
