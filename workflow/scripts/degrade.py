from textsr.degrade import degrade_folder
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    degrade_folder(snakemake.params.hr, snakemake.output[0], snakemake.params.scale, **snakemake.params.degradation)
