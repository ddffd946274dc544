from textsr.util.logs import to_file
from textsr.recognition import install_weights

with to_file(snakemake.log[0]):
    install_weights(snakemake.params.recognizer, snakemake.output[0])
