from textsr.util.logs import to_file
from textsr.recognition import recognize_testset

with to_file(snakemake.log[0]):
    evaluations = dict(zip(snakemake.params.detectors, snakemake.input.evaluations, strict=True))
    recognize_testset(snakemake.params.images, snakemake.params.gt, snakemake.params.protocol, evaluations,
                      snakemake.output[0], weights=snakemake.input.weights,
                      recognizer=snakemake.wildcards.recognizer, coord_scale=snakemake.params.coord_scale,
                      batch_size=snakemake.params.batch_size, threads=snakemake.threads)
