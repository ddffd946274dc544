from textsr.util.logs import to_file
from textsr.train import train_sr

with to_file(snakemake.log[0], append=True):
    train_sr(out_model=snakemake.output.model, curve_file=snakemake.output.curve,
             teacher_dir=snakemake.input.get("teacher"), threads=snakemake.threads, **snakemake.params.train)
