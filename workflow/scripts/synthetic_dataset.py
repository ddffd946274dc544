from pathlib import Path

from textsr.data.synthetic import generate_synthetic
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    generate_synthetic(Path(snakemake.output[0]).parent, seed=snakemake.params.seed, **snakemake.params.synthetic)
