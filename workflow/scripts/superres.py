from textsr.logs import to_file
from textsr.superres import superres_folder

with to_file(snakemake.log[0]):
    superres_folder(snakemake.params.weights, snakemake.params.lr, snakemake.output[0],
                    scale=int(snakemake.wildcards.scale), threads=snakemake.threads, **snakemake.params.inference)
