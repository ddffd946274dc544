"""Config validation and the helpers every rule file uses (rule files hold rules only)."""

import re

from snakemake.utils import validate

from textsr.data import catalog as CATALOG
from textsr.distill import parse_teacher_cache_key, teacher_cache_key
from textsr.train import resolve_configs

from textsr.provenance import code_version


validate(config, schema="../schemas/config.schema.yaml")


wildcard_constraints:
    condition=r"[a-z0-9_\-]+(@[a-z0-9_]+)?",
    dataset=r"[a-z0-9_]+",
    trainset=r"[a-z0-9_]+",
    method=r"[a-z0-9_]+",
    split=r"train|test",
    scale=r"\d+",
    teacher=r"[a-z0-9_+]+-p[0-9.e+-]+",


SCALES = config["scales"]
TESTSETS = config["testsets"]
TRAINSETS = config["trainsets"]
SRSETS = config["srsets"]
METHODS = config.get("methods", {})
RES = config["resources"]
CRAFT_WEIGHTS = "resources/weights/craft_mlt_25k.pth"


def _sets_by_name():
    """Every named data set of the config; one name is one data set whatever its roles (test, train, sr)."""
    merged = {}
    for role, sets in (("test", TESTSETS), ("train", TRAINSETS), ("sr", SRSETS)):
        for name, spec in sets.items():
            where = {k: spec.get(k) for k in ("source", "catalog", "path")}
            if name in merged and merged[name] != where:
                raise ValueError(f"config: '{name}' names two different data sets ({merged[name]} and {where})")
            merged[name] = where
    return merged


SETS = _sets_by_name()
SYNTHETIC_SETS = sorted(n for n, s in SETS.items() if s["source"] == "synthetic")
FOLDER_SETS = sorted(n for n, s in SETS.items() if s["source"] == "folder")
CATALOG_KEYS = sorted({s["catalog"] for s in SETS.values() if s["source"] == "catalog"})
for _name in SYNTHETIC_SETS + FOLDER_SETS:
    if _name in CATALOG_KEYS:
        raise ValueError(f"config: '{_name}' is both a catalogue data set and a {SETS[_name]['source']} set")
for _name, _spec in SETS.items():
    if _spec["source"] == "catalog" and not _spec["catalog"]:
        raise ValueError(f"config: data set '{_name}' has source catalog but no 'catalog' key")
    if _spec["source"] == "folder" and not _spec["path"]:
        raise ValueError(f"config: data set '{_name}' has source folder but no 'path' key")
for _name, _spec in TESTSETS.items():
    if _spec["source"] == "synthetic" and _spec["protocol"] != "icdar2015":
        raise ValueError(f"config: synthetic test set '{_name}' has ICDAR2015 ground truth: protocol icdar2015")
    if _spec.get("gt") and _spec["source"] != "catalog":
        raise ValueError(f"config: test set '{_name}': 'gt' chooses a catalogue ground-truth variant")
for _name, _spec in TRAINSETS.items():
    if _spec.get("lr") == "official" and _spec["source"] != "catalog":
        raise ValueError(f"config: training set '{_name}': 'lr: official' needs a catalogue data set with LR")


def method_arch(method):
    """The model family of a configured method (`arch`, default: the method's own name)."""
    return METHODS[method].get("arch", method)


for _name, _spec in METHODS.items():
    if method_arch(_name) not in ("rcan", "rcan_dat"):
        raise ValueError(f"config: method '{_name}': set 'arch' to rcan or rcan_dat")
    if method_arch(_name) != "rcan_dat" and ("distill" in _spec or "teacher_cache" in _spec):
        raise ValueError(f"config: method '{_name}' is not rcan_dat: neither 'distill' nor 'teacher_cache' applies")


def _alternation(names):
    """Regex matching exactly one of `names` (a never-matching pattern when empty)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def data_root(name):
    """resources/datasets/<folder> of a data set: the catalogue key for real data, else the config name."""
    spec = SETS[name]
    return f"resources/datasets/{spec['catalog'] if spec['source'] == 'catalog' else name}"


def data_manifest(name):
    """Written last by the data rules: the marker that a data set is complete."""
    return f"{data_root(name)}/manifest.json"


def role_spec(name, role):
    return {"test": TESTSETS, "train": TRAINSETS, "sr": SRSETS}[role][name]


def role_split(name, role):
    """The data set's split playing `role` (test sets and SR benchmarks: test; training sets: train)."""
    return role_spec(name, role).get("split", "train" if role == "train" else "test")


def _role(name, split_wildcard):
    """The `{split}` wildcard of LR paths is the role: train, or test (test sets and SR benchmarks alike)."""
    if split_wildcard == "train":
        return "train"
    return "test" if name in TESTSETS else "sr"


def hr_dir(name, role):
    return f"{data_root(name)}/{role_split(name, role)}/images"


def gt_dir(name):
    """Native ground-truth folder of a test set (catalogue: its chosen variant, e.g. test/gt_2020)."""
    spec, split = TESTSETS[name], role_split(name, "test")
    if spec["source"] == "catalog":
        return f"{data_root(name)}/{CATALOG.gt_dir(spec['catalog'], split, spec.get('gt'))}"
    return f"{data_root(name)}/{split}/gt"


def catalog_request(key):
    """Splits, gt variants and official LR scales wanted from catalogue data set `key` by every config entry."""
    splits, gts, lr_scales = [], [], []
    for role, sets in (("test", TESTSETS), ("train", TRAINSETS), ("sr", SRSETS)):
        for name, spec in sets.items():
            if spec["source"] != "catalog" or spec["catalog"] != key:
                continue
            split = role_split(name, role)
            splits += [split] if split not in splits else []
            if spec.get("gt") and spec["gt"] not in gts:
                gts.append(spec["gt"])
            if spec.get("lr") == "official":
                lr_scales += [s for s in SCALES if s not in lr_scales]
    # lr_scales: [] = none (None would make prepare take every LR archive it finds, verified or not)
    return {"splits": splits, "gt": gts or None, "lr_scales": lr_scales}


def catalog_downloads_for(wildcards):
    """The verified-download markers the catalogue data set needs."""
    files = CATALOG.required_files(wildcards.key, **catalog_request(wildcards.key))
    return [f"resources/downloads/{f}.verified" for f in files]


def catalog_request_for(wildcards):
    return catalog_request(wildcards.key)


def folder_source_for(wildcards):
    return SETS[wildcards.dataset]["path"]


def folder_split_for(wildcards):
    """The split a user's folder fills: train for a training set, test for an SR benchmark set."""
    name = wildcards.dataset
    return role_split(name, "train") if name in TRAINSETS else role_split(name, "sr")


def manifest_for(wildcards):
    return data_manifest(wildcards.dataset)


def manifest_for_trainset(wildcards):
    return data_manifest(wildcards.trainset)


def hr_train_for(wildcards):
    return hr_dir(wildcards.trainset, "train")


def hr_for_split(wildcards):
    """HR folder behind `results/lr/{dataset}/{split}/...`."""
    return hr_dir(wildcards.dataset, _role(wildcards.dataset, wildcards.split))


def official_lr(trainset):
    """Does the training set bring its own LR images (`lr: official`: DIV2K's, TextZoom's real ones)?"""
    return TRAINSETS[trainset].get("lr", "degrade") == "official"


def trainset_has_scale(trainset, scale):
    """A training set with its own LR (`lr: official`) exists only at the scales it ships (TextZoom: x2)."""
    spec = TRAINSETS[trainset]
    if not official_lr(trainset):
        return True
    split = CATALOG.dataset(spec["catalog"])["splits"][role_split(trainset, "train")]
    return int(scale) in ({int(k) for k in split.get("lr", {})} | ({int(split["scale"])} if "scale" in split else set()))


def trained_conditions(scale):
    """`{method}@{trainset}` for every configured SR method and training set that exists at `scale`."""
    return [f"{m}@{t}" for m in METHODS for t in TRAINSETS if trainset_has_scale(t, scale)]


def sr_conditions(scale):
    """Conditions whose images are super-resolved from the LR test images at `scale`."""
    base = [c for c in config["conditions"] if c not in ("hr", "lr")]
    return base + trained_conditions(scale)


def detection_jobs():
    """(condition, dataset, scale) of every detection; `hr` is scale-free and runs once at x1."""
    jobs = []
    for dataset in TESTSETS:
        if "hr" in config["conditions"]:
            jobs.append(("hr", dataset, 1))
        for scale in SCALES:
            if "lr" in config["conditions"]:
                jobs.append(("lr", dataset, scale))
            jobs.extend((c, dataset, scale) for c in sr_conditions(scale))
    return jobs


def teacher_dir(method, trainset, scale):
    """The teacher-map cache a method trains from: per training set, CRAFT layers and p (not per scale: the maps
    do not depend on it), e.g. results/teacher/div2k/relu3_2-p2.0. Layers and p as training resolves them
    (textsr.train.resolve_configs: config, else the layer whose stride equals the scale)."""
    spec = METHODS[method]
    distill = resolve_configs("rcan_dat", int(scale), spec.get("model"), None, spec.get("distill"))[2]
    return f"results/teacher/{trainset}/{teacher_cache_key(distill['teacher_layers'], distill['p'])}"


def teacher_params_for(wildcards):
    """`{teacher}` wildcard -> compute_teacher_maps keywords (layers, p)."""
    layers, p = parse_teacher_cache_key(wildcards.teacher)
    return {"layers": layers, "p": p}


def train_lr_dir(trainset, scale):
    if official_lr(trainset):
        return f"{data_root(trainset)}/{role_split(trainset, 'train')}/lr/x{scale}"
    return f"results/lr/{trainset}/train/x{scale}"


def train_inputs_for(wildcards):
    """HR data (manifest), LR folder (degraded, or the data set's own) and, for distillation, the teacher cache."""
    m, t, s = wildcards.method, wildcards.trainset, wildcards.scale
    inputs = {"data": data_manifest(t)}
    if not official_lr(t):
        inputs["lr"] = train_lr_dir(t, s)
    if method_arch(m) == "rcan_dat":
        inputs["weights"] = CRAFT_WEIGHTS
        if METHODS[m].get("teacher_cache", True):
            inputs["teacher"] = teacher_dir(m, t, s)
    return inputs


def train_params_for(wildcards):
    """Everything train_sr needs besides inputs and outputs: folders, the method's dicts, the seed."""
    m, t, s = wildcards.method, wildcards.trainset, wildcards.scale
    spec = METHODS[m]
    distill = dict(spec.get("distill", {})) if method_arch(m) == "rcan_dat" else None
    if distill is not None and not spec.get("teacher_cache", True):
        distill["craft_weights"] = CRAFT_WEIGHTS
    return {
        "hr_dir": hr_dir(t, "train"),
        "lr_dir": train_lr_dir(t, s),
        "method": method_arch(m),
        "scale": int(s),
        "seed": config["seed"],
        "model": spec.get("model", {}),
        "train": {**spec.get("train", {}), **TRAINSETS[t].get("train", {})},
        "distill": distill,
        "checkpoint_dir": f"results/checkpoints/{m}/{t}/x{s}",
    }


def sr_weights_for(wildcards):
    """Model file of an SR condition: a trained `{method}@{trainset}`, or the user's official RCAN_BIX<s>.pt."""
    c, s = wildcards.condition, wildcards.scale
    if c == "rcan-official":
        return f"resources/weights/{CATALOG.weights_file(int(s))}.verified"
    method, trainset = c.split("@", 1)
    return f"results/models/{method}/{trainset}/x{s}/model.pt"


def sr_weights_file_for(wildcards):
    return sr_weights_for(wildcards).removesuffix(".verified")


def gt_for(wildcards):
    return gt_dir(wildcards.dataset)


def hr_test_for(wildcards):
    """HR images an SR condition is compared with: the test split of a test set or SR benchmark."""
    name = wildcards.dataset
    return hr_dir(name, "test" if name in TESTSETS else "sr")


def images_for(wildcards):
    """Condition -> the folder of images the detector sees."""
    c = wildcards.condition
    if c == "hr":
        return hr_dir(wildcards.dataset, "test")
    if c == "lr":
        return f"results/lr/{wildcards.dataset}/test/x{wildcards.scale}"
    return f"results/sr/{c}/{wildcards.dataset}/x{wildcards.scale}"


def detect_input_for(wildcards):
    """What `images_for` needs to exist: the data set's manifest for HR, else the LR/SR folder itself."""
    if wildcards.condition == "hr":
        return data_manifest(wildcards.dataset)
    return images_for(wildcards)


def rescale_for(wildcards):
    """LR boxes are scaled back to HR pixel coordinates by the SR factor; other conditions are at HR size."""
    return int(wildcards.scale) if wildcards.condition == "lr" else 1


def protocol_for(wildcards):
    return TESTSETS[wildcards.dataset]["protocol"]


def eval_jsons():
    return [f"results/eval/{c}/{d}/x{s}.json" for c, d, s in detection_jobs()]


def sr_eval_jsons():
    """PSNR/SSIM of every SR condition on every test set and SR benchmark set."""
    names = list(TESTSETS) + [n for n in SRSETS if n not in TESTSETS]
    return [f"results/eval_sr/{c}/{d}/x{s}.json" for d in names for s in SCALES for c in sr_conditions(s)]


def table_rows(paths):
    """Wildcard values of each eval json, in the same order, for the table builders."""
    rows = []
    for p in paths:
        _, _, condition, dataset, scale_json = p.split("/")
        rows.append(
            {
                "condition": condition,
                "dataset": dataset,
                "scale": int(scale_json[1:].removesuffix(".json")),
                "protocol": TESTSETS[dataset]["protocol"] if dataset in TESTSETS else "",
            }
        )
    return rows


def res(stage, key):
    """A resource of a stage from the config (declared once; profiles map them onto a cluster)."""
    return RES[stage][key]


# A change of the library reaches the outputs through these params: Snakemake tracks the scripts, not the modules
# they import. Each hash covers the module a stage's script calls and every textsr module it imports.
CODE = {
    "data": code_version("textsr.data.synthetic"),
    "prepare": code_version("textsr.data.prepare", "textsr.data.download"),
    "degrade": code_version("textsr.degrade"),
    "teacher": code_version("textsr.distill"),
    "train": code_version("textsr.train"),
    "superres": code_version("textsr.superres"),
    "detect": code_version("textsr.detect"),
    "evaluate": code_version("textsr.evaluation"),
    "report": code_version("textsr.report"),
}
