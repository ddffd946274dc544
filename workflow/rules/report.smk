rule detection_table:
    """One row per (dataset, protocol, detector, scale, degradation, condition, seed): precision, recall, H-mean and
    counts."""
    input:
        paths(EVAL_ROWS),
    output:
        report(layout.DETECTION_TABLE, caption="../report/detection_table.rst", category="6. Tables"),
    params:
        rows=keys(EVAL_ROWS),
        code=CODE["report"],
    log:
        layout.log("detection_table"),
    benchmark:
        layout.benchmark("detection_table")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detection_table.py"


rule sr_table:
    """One row per (dataset, scale, degradation, condition, seed): mean Y-PSNR and Y-SSIM."""
    input:
        paths(SR_ROWS),
    output:
        report(layout.SR_TABLE, caption="../report/sr_table.rst", category="6. Tables"),
    params:
        rows=keys(SR_ROWS),
        code=CODE["report"],
    log:
        layout.log("sr_table"),
    benchmark:
        layout.benchmark("sr_table")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/sr_table.py"


rule summary_table:
    """Mean and standard deviation over seeds of every detection and SR metric, per condition."""
    input:
        detection=layout.DETECTION_TABLE,
        sr=layout.SR_TABLE,
    output:
        report(layout.SUMMARY_TABLE, caption="../report/summary_table.rst", category="6. Tables"),
    params:
        code=CODE["report"],
    log:
        layout.log("summary_table"),
    benchmark:
        layout.benchmark("summary_table")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/summary_table.py"


rule comparisons:
    """Two-stage paired bootstrap (training seeds, then test images; seeds paired by seed) of each H-mean
    difference: the named primary comparison, every distilled model against its twins (Holm-adjusted), every
    condition against bicubic (sanity checks); verdict a > b, a < b, equivalent within the margin or inconclusive."""
    input:
        paths(EVAL_ROWS),
    output:
        report(layout.COMPARISONS, caption="../report/comparisons.rst", category="6. Tables"),
    params:
        evals=EVAL_ROWS,
        pairs=PLAN.comparison_pairs(),
        n_resamples=config["comparisons"]["n_resamples"],
        seed=config["comparisons"]["seed"],
        alpha=config["comparisons"]["alpha"],
        margin=config["comparisons"]["margin"],
        primary=config["comparisons"].get("primary"),
        code=CODE["report"],
    log:
        layout.log("comparisons"),
    benchmark:
        layout.benchmark("comparisons")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/comparisons.py"


rule recall_by_height:
    """Recall by ground-truth text height (short side of the GT polygon in HR pixels) per condition."""
    input:
        paths(EVAL_ROWS),
    output:
        report(layout.RECALL_BY_HEIGHT, caption="../report/recall_by_height.rst", category="6. Tables"),
    params:
        evals=EVAL_ROWS,
        bins=config["strata"].get("bins", [8, 12, 16, 24, 32]),
        code=CODE["report"],
    log:
        layout.log("recall_by_height"),
    benchmark:
        layout.benchmark("recall_by_height")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recall_by_height.py"


rule recognition_table:
    """One row per (dataset, detector, scale, degradation, condition, seed, recognizer): word accuracy with its
    95 % Wilson interval, char accuracy and the end-to-end H-mean on that detector's detections."""
    input:
        paths(RECOGNITION_ROWS),
    output:
        report(layout.RECOGNITION_TABLE, caption="../report/recognition_table.rst", category="6. Tables"),
    params:
        rows=keys(RECOGNITION_ROWS),
        averages=PLAN.word_set_groups(),
        code=CODE["report"],
    log:
        layout.log("recognition_table"),
    benchmark:
        layout.benchmark("recognition_table")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognition_table.py"


rule craft_check:
    """The one-glance check of data, detector and protocol: each set's HR H-mean beside the published or
    reproduced CRAFT number for its detector (config craft_reproduction), differences over the tolerance flagged."""
    input:
        layout.DETECTION_TABLE,
    output:
        report(
            layout.CRAFT_REPRODUCTION,
            caption="../report/craft_reproduction.rst",
            category="6. Tables",
            labels={"table": "CRAFT reproduction", "format": "CSV"},
        ),
    params:
        references=config["craft_reproduction"],
        code=CODE["report"],
    log:
        layout.log("craft_check"),
    benchmark:
        layout.benchmark("craft_check")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/craft_check.py"
