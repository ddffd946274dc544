from textsr.inference.dbnet import install_det_weights
from textsr.util.logs import to_file

with to_file(snakemake.log[0]):
    install_det_weights(snakemake.output[0])
