from textsr.util.logs import to_file
from textsr.recognition import install_recognizer_weights

with to_file(snakemake.log[0]):
    install_recognizer_weights(snakemake.output[0])
