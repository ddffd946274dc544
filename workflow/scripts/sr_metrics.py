from textsr.evaluation.image_metrics import sr_metrics_to_json
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    sr_metrics_to_json(snakemake.input.sr, snakemake.params.hr, snakemake.params.scale, snakemake.output[0])
