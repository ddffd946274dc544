from pathlib import Path

from textsr.data.prepare import prepare_dataset
from textsr.logs import to_file

with to_file(snakemake.log[0]):
    prepare_dataset(snakemake.wildcards.key, "resources/downloads", Path(snakemake.output[0]).parent,
                    limits=snakemake.params.limits, **snakemake.params.request)
