from textsr.data.download import fetch_archive
from textsr.study.layout import DOWNLOADS_DIR
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    fetch_archive(snakemake.wildcards.file, DOWNLOADS_DIR, verify=snakemake.params.verify)
