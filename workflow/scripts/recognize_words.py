from textsr.util.logs import to_file
from textsr.recognition import recognize_word_images

with to_file(snakemake.log[0]):
    recognize_word_images(snakemake.params.images, snakemake.params.labels, snakemake.output[0],
                          weights=snakemake.input.weights, recognizer=snakemake.wildcards.recognizer,
                          batch_size=snakemake.params.batch_size, threads=snakemake.threads)
