from textsr.util.logs import to_file
from textsr.inference.superres import superres_folder

with to_file(snakemake.log[0]):
    superres_folder(snakemake.params.weights, snakemake.params.lr, snakemake.output[0],
                    scale=snakemake.params.scale, threads=snakemake.threads, **snakemake.params.inference)
