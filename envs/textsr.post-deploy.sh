#!/usr/bin/env bash
# Run by Snakemake (--sdm conda) inside the new env, from .snakemake/conda/, right after it is created: installs this
# checkout's library (editable, with pyproject.toml's other dependencies) into the env. TEXTSR_ROOT is the workflow's
# folder; the Snakefile exports it, so this works whatever the working directory (--directory) is.
set -euo pipefail
if [ -z "${TEXTSR_ROOT:-}" ] || [ ! -f "$TEXTSR_ROOT/pyproject.toml" ]; then
    echo "textsr post-deploy: TEXTSR_ROOT must name the TextSR-Bench checkout (the Snakefile sets it); got '${TEXTSR_ROOT:-}'" >&2
    exit 1
fi
python -m pip install --no-input -e "$TEXTSR_ROOT"
