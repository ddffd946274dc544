from textsr.inference.detect import detect_folder
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    detect_folder(snakemake.params.images, snakemake.output[0], threads=snakemake.threads,
                  rescale=snakemake.params.rescale, **snakemake.params.craft)
