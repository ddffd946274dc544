from textsr.util.logs import to_file
from textsr.train import train_privileged_teacher

with to_file(snakemake.log[0], append=True):
    train_privileged_teacher(out_model=snakemake.output.model, curve_file=snakemake.output.curve,
                             threads=snakemake.threads, **snakemake.params.train)
