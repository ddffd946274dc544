from pathlib import Path

from textsr.data.prepare import prepare_folder
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    prepare_folder(snakemake.params.source, Path(snakemake.output[0]).parent, split=snakemake.params.split)
