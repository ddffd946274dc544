from textsr.logs import to_file
from textsr.superres import superres_folder

with to_file(snakemake.log[0]):
    superres_folder(snakemake.params.weights, snakemake.input.lr, snakemake.output[0],
                    scale=int(snakemake.wildcards.scale), threads=snakemake.threads)
