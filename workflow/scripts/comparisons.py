from textsr.util.logs import to_file
from textsr.report.comparisons import write_comparisons

with to_file(snakemake.log[0]):
    write_comparisons(snakemake.params.evals, snakemake.params.pairs, snakemake.output[0],
                      n_resamples=snakemake.params.n_resamples, seed=snakemake.params.seed,
                      alpha=snakemake.params.alpha, margin=snakemake.params.margin,
                      primary=snakemake.params.primary)
