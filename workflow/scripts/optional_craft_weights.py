from pathlib import Path

from textsr.util.logs import to_file
from textsr.data.weights import require_craft_weights

with to_file(snakemake.log[0]):
    path = require_craft_weights(snakemake.wildcards.file, Path(snakemake.output[0]).parent)
    Path(snakemake.output[0]).write_text(f"{path}\n")
