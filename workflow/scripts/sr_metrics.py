from textsr.evaluation.image_metrics import sr_metrics_to_json
from textsr.logs import to_file

with to_file(snakemake.log[0]):
    sr_metrics_to_json(snakemake.input.sr, snakemake.params.hr, int(snakemake.wildcards.scale), snakemake.output[0])
