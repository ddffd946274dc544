from textsr.distill import compute_teacher_maps
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    compute_teacher_maps(snakemake.params.hr, snakemake.output[0], weights=snakemake.input.weights,
                         threads=snakemake.threads, **snakemake.params.maps, **snakemake.params.inference)
