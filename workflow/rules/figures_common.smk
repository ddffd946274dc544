"""Helpers of the figure, table and report rules (workflow/rules/figures.smk); needs common.smk first."""

from types import SimpleNamespace

from textsr.study.conditions import NO_DEGRADATION, trained_name

#: File formats of every figure (layout.FIGURE).
FIGURE_FORMATS = ["pdf", "png"]
#: Figures of one model show the first seed's (every seed is in the tables).
FIRST_SEED = PLAN.seeds[0]


def first_degradation(name, role):
    """Figures of images and models show a set's first degradation (every degradation is in the tables)."""
    return PLAN.set_degradations(name, role)[0]


def distilled_methods():
    """Configured methods trained with cached CRAFT teacher maps: the attention figure's models."""
    return [
        m
        for m in PLAN.methods
        if PLAN.methods[m].get("distill") is not None and PLAN.methods[m].get("teacher_cache", True)
    ]


def trainsets_at(scale):
    return [t for t in PLAN.trainsets if PLAN.has_scale(t, "train", scale)]


def qualitative_conditions(scale):
    """Columns of the qualitative panels at `scale`: LR, bicubic, every method trained on the first training set
    that exists at that scale (first seed), HR (those of them that the config has)."""
    conditions = [c for c in ("lr", "bicubic") if c in PLAN.baselines]
    trainsets = trainsets_at(scale)
    if trainsets:
        conditions += [
            trained_name(m, trainsets[0], FIRST_SEED) for m in PLAN.methods if PLAN.trains(m, trainsets[0], scale)
        ]
    if "hr" in PLAN.baselines:
        conditions.append("hr")
    return conditions


def qualitative_conditions_for(wildcards):
    return qualitative_conditions(typed(wildcards).scale)


def eval_json(condition, dataset, scale):
    """The evaluation file of one detection job by the test set's first detector, on its first degradation
    (`hr` is scale-free: x1, NO_DEGRADATION)."""
    hr = condition == "hr"
    degradation = NO_DEGRADATION if hr else first_degradation(dataset, "test")
    return PLAN.eval_json(condition, dataset, 1 if hr else scale, degradation, PLAN.detector_names(dataset)[0])


def qualitative_evals(wildcards):
    w = typed(wildcards)
    return [eval_json(c, w.dataset, w.scale) for c in qualitative_conditions(w.scale)]


def _condition_wildcards(condition, w):
    """The wildcards of the job that made one qualitative column (`w`: the figure's typed wildcards)."""
    degradation = NO_DEGRADATION if condition == "hr" else first_degradation(w.dataset, "test")
    return SimpleNamespace(condition=condition, dataset=w.dataset, scale=w.scale, degradation=degradation)


def qualitative_inputs(wildcards):
    """What the qualitative columns' images need to exist (`images_input_for` of common.smk), plus the test
    set's folder (the HR images give the crop geometry)."""
    w = typed(wildcards)
    needed = [images_input_for(_condition_wildcards(c, w)) for c in qualitative_conditions(w.scale)]
    return list(dict.fromkeys(needed + [PLAN.dataset_dir(w.dataset)]))


def qualitative_image_dirs(wildcards):
    """The image folder each qualitative column shows (`images_for` of common.smk)."""
    w = typed(wildcards)
    return [images_for(_condition_wildcards(c, w)) for c in qualitative_conditions(w.scale)]


def hr_test_dir(wildcards):
    return PLAN.hr_dir(wildcards.dataset, "test")


def attention_inputs(wildcards):
    """The distilled model (first seed), its teacher-map cache, and the folder the training LR images are in."""
    w = typed(wildcards)
    m, t, s = w.method, w.trainset, w.scale
    g = first_degradation(t, "train")
    return {
        "model": PLAN.trained_file(layout.MODEL, m, t, FIRST_SEED, s, g),
        "teacher": PLAN.teacher_cache_dir(m, t, s),
        "lr": PLAN.dataset_dir(t) if PLAN.native_lr(t, "train") else train_lr_dir(t, s, g),
    }


def attention_lr_dir(wildcards):
    w = typed(wildcards)
    return train_lr_dir(w.trainset, w.scale, first_degradation(w.trainset, "train"))


def curve_methods(wildcards):
    w = typed(wildcards)
    return [m for m in PLAN.methods if PLAN.trains(m, w.trainset, w.scale)]


def curve_conditions(wildcards):
    """`method@trainset` of every method trained on the figure's training set at its scale (first seed)."""
    return [f"{m}@{wildcards.trainset}" for m in curve_methods(wildcards)]


def curve_tsvs(wildcards):
    w = typed(wildcards)
    g = first_degradation(w.trainset, "train")
    return [PLAN.trained_file(layout.CURVE, m, w.trainset, FIRST_SEED, w.scale, g) for m in curve_methods(wildcards)]


def figure_names():
    """Every figure of the configured study (without folder and extension)."""
    names = ["hmean", "recall_by_height"]
    if any(len(PLAN.set_degradations(d, "test")) > 1 for d in PLAN.testsets):
        names.append("hmean_by_degradation")
    if any(PLAN.sr_conditions(s) for s in PLAN.scales):
        names.append("fidelity")
    if RECOGNITION_ROWS:
        names.append("recognition")
    names += [
        layout.QUALITATIVE_FIGURE.format(dataset=d, scale=s)
        for d in PLAN.testsets
        for s in PLAN.scales
        if qualitative_conditions(s) and PLAN.has_scale(d, "test", s)
    ]
    if PLAN.methods:
        names += [
            layout.CURVES_FIGURE.format(trainset=t, scale=s)
            for s in PLAN.scales
            for t in trainsets_at(s)
            if any(PLAN.trains(m, t, s) for m in PLAN.methods)
        ]
    names += [
        layout.ATTENTION_FIGURE.format(method=m, trainset=t, scale=s)
        for m in distilled_methods()
        for s in PLAN.scales
        for t in trainsets_at(s)
        if PLAN.trains(m, t, s)
    ]
    return names


def figure_targets():
    return [layout.figure(n, ext) for n in figure_names() for ext in FIGURE_FORMATS]


def table_targets():
    """Every table of the study."""
    tables = [
        layout.DETECTION_TABLE,
        layout.SR_TABLE,
        layout.SUMMARY_TABLE,
        layout.COMPARISONS,
        layout.RECALL_BY_HEIGHT,
        layout.CRAFT_REPRODUCTION,
    ]
    return tables + ([layout.RECOGNITION_TABLE] if RECOGNITION_ROWS else [])


def paper_targets():
    """Every figure and the Markdown / LaTeX tables."""
    return figure_targets() + [layout.DETECTION_MARKDOWN, layout.LATEX_TABLES]
