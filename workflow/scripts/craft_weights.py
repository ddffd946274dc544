from textsr.util.logs import to_file
from textsr.data.weights import install_craft_weights

with to_file(snakemake.log[0]):
    install_craft_weights(snakemake.output[0])
