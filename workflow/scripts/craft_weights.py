from textsr.logs import to_file
from textsr.weights import install_craft_weights

with to_file(snakemake.log[0]):
    install_craft_weights(snakemake.output[0])
