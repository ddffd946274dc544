"""Helpers of the figure, table and report rules (workflow/rules/figures.smk); needs common.smk first."""

from types import SimpleNamespace


#: File formats of every figure (results/figures/<name>.<ext>).
FIGURE_FORMATS = ["pdf", "png"]


def distilled_methods():
    """Configured methods trained with cached CRAFT teacher maps (RCAN_dat): the attention figure's models."""
    return [m for m in METHODS if method_arch(m) == "rcan_dat" and METHODS[m].get("teacher_cache", True)]


def trainsets_at(scale):
    return [t for t in TRAINSETS if trainset_has_scale(t, scale)]


def qualitative_conditions(scale):
    """Columns of the qualitative panels at `scale`: LR, bicubic, every method trained on the first training set
    that exists at that scale, HR (those of them that the config has)."""
    conditions = [c for c in ("lr", "bicubic") if c in config["conditions"]]
    trainsets = trainsets_at(scale)
    if trainsets:
        conditions += [f"{m}@{trainsets[0]}" for m in METHODS]
    if "hr" in config["conditions"]:
        conditions.append("hr")
    return conditions


def qualitative_conditions_for(wildcards):
    return qualitative_conditions(wildcards.scale)


def eval_json(condition, dataset, scale):
    """The evaluation file of one detection job (`hr` is scale-free: x1)."""
    return f"results/eval/{condition}/{dataset}/x{1 if condition == 'hr' else scale}.json"


def qualitative_evals(wildcards):
    return [eval_json(c, wildcards.dataset, wildcards.scale) for c in qualitative_conditions(wildcards.scale)]


def _condition_wildcards(condition, wildcards):
    return SimpleNamespace(condition=condition, dataset=wildcards.dataset, scale=wildcards.scale)


def qualitative_inputs(wildcards):
    """What the qualitative columns' images need to exist (`detect_input_for` of common.smk), plus the test
    set's manifest (the HR images give the crop geometry)."""
    conditions = qualitative_conditions(wildcards.scale)
    needed = [detect_input_for(_condition_wildcards(c, wildcards)) for c in conditions]
    return needed + [data_manifest(wildcards.dataset)]


def qualitative_image_dirs(wildcards):
    """The image folder each qualitative column shows (`images_for` of common.smk)."""
    return [images_for(_condition_wildcards(c, wildcards)) for c in qualitative_conditions(wildcards.scale)]


def hr_test_dir(wildcards):
    return hr_dir(wildcards.dataset, "test")


def scale_of(wildcards):
    return int(wildcards.scale)


def attention_inputs(wildcards):
    """The distilled model, its teacher-map cache, and what the training LR images need to exist."""
    m, t, s = wildcards.method, wildcards.trainset, wildcards.scale
    return {
        "model": f"results/models/{m}/{t}/x{s}/model.pt",
        "teacher": teacher_dir(m, t, s),
        "lr": data_manifest(t) if official_lr(t) else train_lr_dir(t, s),
    }


def attention_lr_dir(wildcards):
    return train_lr_dir(wildcards.trainset, wildcards.scale)


def curve_conditions(wildcards):
    """`method@trainset` of every method trained on the figure's training set."""
    return [f"{m}@{wildcards.trainset}" for m in METHODS]


def curve_tsvs(wildcards):
    return [f"results/models/{m}/{wildcards.trainset}/x{wildcards.scale}/curve.tsv" for m in METHODS]


def figure_names():
    """Every figure of the configured study (without folder and extension)."""
    names = ["hmean"]
    if any(sr_conditions(s) for s in SCALES):
        names.append("fidelity")
    names += [f"qualitative-{d}-x{s}" for d in TESTSETS for s in SCALES if qualitative_conditions(s)]
    if METHODS:
        names += [f"curves-{t}-x{s}" for s in SCALES for t in trainsets_at(s)]
    names += [f"attention-{m}-{t}-x{s}" for m in distilled_methods() for s in SCALES for t in trainsets_at(s)]
    return names


def figure_targets():
    return [f"results/figures/{n}.{ext}" for n in figure_names() for ext in FIGURE_FORMATS]


def paper_targets():
    """Every figure and the Markdown / LaTeX tables."""
    return figure_targets() + ["results/detection_table.md", "results/tables.tex"]
