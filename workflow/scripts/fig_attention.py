from textsr.util.logs import to_file
from textsr.report.attention import plot_attention

with to_file(snakemake.log[0]):
    plot_attention(
        snakemake.input.model, snakemake.input.teacher, snakemake.params.lr, snakemake.output.pdf,
        snakemake.output.png,
    )
