"""TextSR-Bench: raw data -> LR -> SR -> CRAFT detection -> official evaluation -> tables.

snakemake --cores 8 results/detection_table.csv                       # embedded default (config.yaml)
snakemake --cores 8 --configfile=configs/paper.yaml results/detection_table.csv
"""

import os

from snakemake.utils import min_version

min_version("9.19")

# --sdm conda: envs/textsr.post-deploy.sh installs the library of this checkout into the new env from here,
# whatever the working directory (--directory) is. Declared with envvars: so that remote jobs receive it too.
os.environ["TEXTSR_ROOT"] = workflow.basedir


envvars:
    "TEXTSR_ROOT",


# config.yaml is the config when the command line gives none. A complete config given with --configfile (e.g.
# configs/paper.yaml) replaces it; an override is layered by naming its base first, with Snakemake's own merge of
# several files (later wins, dicts merged key by key): --configfile config.yaml my.yaml (docs/configuration.md).
if not config:

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/figures_common.smk"
include: "workflow/rules/cli.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/degrade.smk"
include: "workflow/rules/teacher.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/superres.smk"
include: "workflow/rules/detect.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/recognize.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/figures.smk"


rule all:
    """Every table and figure of the study."""
    input:
        all_targets(),  # for --report: those made so far (workflow/rules/cli.smk)
    default_target: True
