"""Where every file of the pipeline lives: the one owner of `results/`, `resources/`, `logs/` and `benchmarks/`
path patterns (tests/test_planner_imports.py fails when such a path is spelled anywhere else).

Patterns use Snakemake's `{wildcard}` syntax, so rule files use them as they are (`output: layout.MODEL`) and the
planner fills them with `str.format` (`layout.MODEL.format(method=..., ...)`). Imports nothing: the Snakefile reads
it at parse time. Wildcards named in INTEGER_WILDCARDS hold integers (`x{scale}`, `s{seed}`); `typed` converts
them, once, where a job's wildcards enter the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

# ------------------------------------------------------------------------------------------------ resources/

#: user-provided and installed checkpoints (md5-checked), one file each, named as upstream names them
WEIGHTS_DIR = "resources/weights"
#: downloaded archives, as their publishers name them
DOWNLOADS_DIR = "resources/downloads"
#: prepared data sets: `{dataset}/{split}/images`, `{dataset}/{split}/gt`
DATASETS_DIR = "resources/datasets"

WEIGHTS = WEIGHTS_DIR + "/{file}"
#: a checkpoint the user brings, present and its md5 recorded
WEIGHTS_CHECKED = WEIGHTS + ".checked"
#: an official checkpoint the user brings (RCAN_BIX<s>.pt), checked
WEIGHTS_VERIFIED = WEIGHTS + ".verified"
DOWNLOAD = DOWNLOADS_DIR + "/{file}"
#: a file of the data set catalogue, downloaded or placed by hand, checksummed
DOWNLOAD_VERIFIED = DOWNLOAD + ".verified"
#: sha256 of each download, cached under its size, mtime, ctime and inode (`textsr.data.stamps.DigestCache`); hidden,
#: like Snakemake's own records, so `--list-untracked` leaves it out
DIGEST_CACHE = DOWNLOADS_DIR + "/.digests.json"

#: one prepared data set; `{dataset}` is the folder: the catalogue key for real data, else the config name
DATASET = DATASETS_DIR + "/{dataset}"
#: written last by the data rules: the marker that a data set is complete
MANIFEST = DATASET + "/manifest.json"
#: a file or folder inside a prepared data set, by its path relative to the data set's folder
DATASET_PATH = DATASET + "/{path}"
HR_IMAGES = DATASET + "/{split}/images"
GT = DATASET + "/{split}/gt"
#: LR images a data set ships (`lr: native`: DIV2K's, TextZoom's)
NATIVE_LR = DATASET + "/{split}/lr/x{scale}"
#: TextZoom-style word labels (`name<TAB>label` per line)
LABELS = DATASET + "/{split}/labels.tsv"

# ------------------------------------------------------------------------------------------------- results/

#: every computed output
RESULTS_DIR = "results"
#: the pipeline's LR images ({split}: train, or test for test and SR sets; {degradation}: a name of the config's
#: `degradations`, `bi` = MATLAB bicubic by default)
LR = RESULTS_DIR + "/lr/{dataset}/{split}/{degradation}/x{scale}"
#: CRAFT teacher-map cache ({teacher}: textsr.train.spec.teacher_cache_key)
TEACHER = RESULTS_DIR + "/teacher/{trainset}/{teacher}"
#: one training run; {degradation}: the degradation of its LR training images
MODEL_DIR = RESULTS_DIR + "/models/{method}/{trainset}/{degradation}/s{seed}/x{scale}"
MODEL = MODEL_DIR + "/model.pt"
CURVE = MODEL_DIR + "/curve.tsv"
#: PISR's privileged teacher and its curve
PRIVILEGED = MODEL_DIR + "/privileged.pt"
PRIVILEGED_CURVE = MODEL_DIR + "/privileged_curve.tsv"
#: resumable training state (a killed job resumes from here)
CHECKPOINTS = RESULTS_DIR + "/checkpoints/{method}/{trainset}/{degradation}/s{seed}/x{scale}"
PRIVILEGED_CHECKPOINTS = CHECKPOINTS + "/privileged"
#: below, {degradation} is that of the test images (`none` for hr, `real` for a set's own LR)
SR = RESULTS_DIR + "/sr/{condition}/{dataset}/{degradation}/x{scale}"
DET = RESULTS_DIR + "/det/{condition}/{dataset}/{degradation}/x{scale}/{detector}"
EVAL = RESULTS_DIR + "/eval/{condition}/{dataset}/{degradation}/x{scale}/{detector}.json"
EVAL_SR = RESULTS_DIR + "/eval_sr/{condition}/{dataset}/{degradation}/x{scale}.json"
#: recognition of a test set's ground-truth words, and end-to-end spotting on each of its detectors' detections
RECOGNITION = RESULTS_DIR + "/recognition/{recognizer}/{condition}/{dataset}/{degradation}/x{scale}/testset.json"
#: recognition of a word set (one word per image)
RECOGNITION_WORDS = RESULTS_DIR + "/recognition/{recognizer}/{condition}/{dataset}/{degradation}/x{scale}.json"

DETECTION_TABLE = RESULTS_DIR + "/detection_table.csv"
SR_TABLE = RESULTS_DIR + "/sr_table.csv"
SUMMARY_TABLE = RESULTS_DIR + "/summary_table.csv"
COMPARISONS = RESULTS_DIR + "/comparisons.csv"
RECALL_BY_HEIGHT = RESULTS_DIR + "/recall_by_height.csv"
CRAFT_REPRODUCTION = RESULTS_DIR + "/craft_reproduction.csv"
RECOGNITION_TABLE = RESULTS_DIR + "/recognition_table.csv"
DETECTION_MARKDOWN = RESULTS_DIR + "/detection_table.md"
LATEX_TABLES = RESULTS_DIR + "/tables.tex"

#: a figure by name and format (pdf, png)
FIGURE = RESULTS_DIR + "/figures/{name}.{ext}"
#: names of the figures made per data set / training set / method
QUALITATIVE_FIGURE = "qualitative-{dataset}-x{scale}"
CURVES_FIGURE = "curves-{trainset}-x{scale}"
ATTENTION_FIGURE = "attention-{method}-{trainset}-x{scale}"

# ------------------------------------------------------------------------------------- logs/, benchmarks/

LOGS_DIR = "logs"
BENCHMARKS_DIR = "benchmarks"
#: each rule's log and benchmark file, without folder and suffix (`logs/<stem>.log`, `benchmarks/<stem>.tsv`)
JOB_STEMS = {
    "synthetic_dataset": "synthetic_dataset/{dataset}",
    "fetch": "fetch/{file}",
    "prepare_dataset": "prepare_dataset/{dataset}",
    "prepare_folder": "prepare_folder/{dataset}",
    "craft_weights": "craft_weights",
    "optional_craft_weights": "optional_craft_weights/{file}",
    "db_weights": "db_weights",
    "degrade": "degrade/{dataset}/{split}/{degradation}/x{scale}",
    "bicubic": "bicubic/{dataset}/{degradation}/x{scale}",
    "teacher_maps": "teacher_maps/{trainset}/{teacher}",
    "train": "train/{method}/{trainset}/{degradation}/s{seed}/x{scale}",
    "train_privileged": "train_privileged/{method}/{trainset}/{degradation}/s{seed}/x{scale}",
    "superres": "superres/{condition}/{dataset}/{degradation}/x{scale}",
    "official_weights": "official_weights/{file}",
    "detect": "detect/{condition}/{dataset}/{degradation}/x{scale}/{detector}",
    "evaluate": "evaluate/{condition}/{dataset}/{degradation}/x{scale}/{detector}",
    "sr_metrics": "sr_metrics/{condition}/{dataset}/{degradation}/x{scale}",
    "recognizer_weights": "recognizer_weights/{file}",
    "recognize": "recognize/{recognizer}/{condition}/{dataset}/{degradation}/x{scale}/testset",
    "recognize_words": "recognize_words/{recognizer}/{condition}/{dataset}/{degradation}/x{scale}",
    "detection_table": "detection_table",
    "sr_table": "sr_table",
    "summary_table": "summary_table",
    "comparisons": "comparisons",
    "recall_by_height": "recall_by_height",
    "recognition_table": "recognition_table",
    "craft_check": "craft_check",
    "fig_hmean": "figures/hmean",
    "fig_degradations": "figures/hmean_by_degradation",
    "fig_fidelity": "figures/fidelity",
    "fig_recall_by_height": "figures/recall_by_height",
    "fig_recognition": "figures/recognition",
    "fig_qualitative": "figures/qualitative/{dataset}/x{scale}",
    "fig_attention": "figures/attention/{method}/{trainset}/x{scale}",
    "fig_curves": "figures/curves/{trainset}/x{scale}",
    "detection_markdown": "figures/detection_markdown",
    "latex_tables": "figures/latex_tables",
}


def log(rule: str) -> str:
    """The log file pattern of a rule: log("detect") = logs/detect/{condition}/{dataset}/x{scale}/{detector}.log."""
    return f"{LOGS_DIR}/{_stem(rule)}.log"


def benchmark(rule: str) -> str:
    """The benchmark file pattern of a rule (tab-separated, one row per run)."""
    return f"{BENCHMARKS_DIR}/{_stem(rule)}.tsv"


def _stem(rule: str) -> str:
    try:
        return JOB_STEMS[rule]
    except KeyError:
        raise KeyError(f"layout: rule {rule!r} has no log/benchmark stem; add it to JOB_STEMS") from None


def figure(name: str, ext: str) -> str:
    """A figure's file (`name` may hold wildcards: figure(QUALITATIVE_FIGURE, "pdf"))."""
    return FIGURE.format(name=name, ext=ext)


# ------------------------------------------------------------------------------------------------ wildcards

#: wildcards that hold integers; every other wildcard is a name and stays a string
INTEGER_WILDCARDS = ("scale", "seed")


def typed(wildcards) -> SimpleNamespace:
    """A job's wildcards (Snakemake's Wildcards, a mapping, or a namespace) with INTEGER_WILDCARDS as int:
    typed({"scale": "4", "dataset": "ic15"}) = namespace(scale=4, dataset="ic15"). ValueError names the wildcard."""
    if isinstance(wildcards, Mapping):
        items = wildcards.items()
    elif hasattr(wildcards, "items") and callable(wildcards.items):  # snakemake.io.Wildcards (a Namedlist)
        items = wildcards.items()
    else:
        items = vars(wildcards).items()
    out = {}
    for key, value in items:
        if key in INTEGER_WILDCARDS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"wildcard {key}={value!r} is not an integer") from None
        out[key] = value
    return SimpleNamespace(**out)


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def partial(pattern: str, **values) -> str:
    """A pattern with some wildcards filled and the others kept: partial(SR, condition="bicubic") =
    results/sr/bicubic/{dataset}/x{scale}."""
    return pattern.format_map(_Keep(values))
