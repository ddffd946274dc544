from pathlib import Path

from textsr.data.prepare import prepare_dataset
from textsr.study.layout import DOWNLOADS_DIR
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    prepare_dataset(snakemake.wildcards.dataset, DOWNLOADS_DIR, Path(snakemake.output[0]).parent,
                    limits=snakemake.params.limits, **snakemake.params.request)
