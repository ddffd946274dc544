from textsr.data.download import fetch_archive
from textsr.logs import to_file

with to_file(snakemake.log[0]):
    fetch_archive(snakemake.wildcards.file, "resources/downloads", verify=snakemake.params.verify)
