from textsr.evaluation import evaluate_to_json
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    evaluate_to_json(snakemake.params.protocol, snakemake.params.gt, snakemake.input.det, snakemake.output[0],
                     images=snakemake.params.images)
