from textsr.util.logs import to_file
from textsr.report.qualitative import plot_qualitative

with to_file(snakemake.log[0]):
    plot_qualitative(
        snakemake.params.conditions, snakemake.input.evals, snakemake.params.image_dirs, snakemake.params.hr,
        snakemake.output.pdf, snakemake.output.png, scale=snakemake.params.scale,
        dataset=snakemake.params.dataset,
    )
