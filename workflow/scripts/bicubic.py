from textsr.degrade import upscale_folder
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    upscale_folder(snakemake.params.lr, snakemake.output[0], snakemake.params.scale)
