rule detection_table:
    """One row per (dataset, protocol, detector, scale, condition, seed): precision, recall, H-mean and counts."""
    input:
        paths(EVAL_ROWS),
    output:
        report("results/detection_table.csv", caption="../report/detection_table.rst", category="6. Tables"),
    params:
        rows=keys(EVAL_ROWS),
        code=CODE["report"],
    log:
        "logs/detection_table.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detection_table.py"


rule sr_table:
    """One row per (dataset, scale, condition, seed): mean Y-PSNR and Y-SSIM."""
    input:
        paths(SR_ROWS),
    output:
        report("results/sr_table.csv", caption="../report/sr_table.rst", category="6. Tables"),
    params:
        rows=keys(SR_ROWS),
        code=CODE["report"],
    log:
        "logs/sr_table.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/sr_table.py"


rule summary_table:
    """Mean and standard deviation over seeds of every detection and SR metric, per condition."""
    input:
        detection="results/detection_table.csv",
        sr="results/sr_table.csv",
    output:
        report("results/summary_table.csv", caption="../report/summary_table.rst", category="6. Tables"),
    params:
        code=CODE["report"],
    log:
        "logs/summary_table.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/summary_table.py"


rule comparisons:
    """Paired bootstrap over test images (seeds paired by seed): the 95% interval of each H-mean difference, every
    condition against bicubic and every distilled model against its undistilled twins."""
    input:
        paths(EVAL_ROWS),
    output:
        report("results/comparisons.csv", caption="../report/comparisons.rst", category="6. Tables"),
    params:
        evals=EVAL_ROWS,
        pairs=PLAN.comparison_pairs(),
        n_resamples=config["comparisons"].get("n_resamples", 10000),
        seed=config["comparisons"].get("seed", 0),
        code=CODE["report"],
    log:
        "logs/comparisons.log",
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
        report("results/recall_by_height.csv", caption="../report/recall_by_height.rst", category="6. Tables"),
    params:
        evals=EVAL_ROWS,
        bins=config["strata"].get("bins", [8, 12, 16, 24, 32]),
        code=CODE["report"],
    log:
        "logs/recall_by_height.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recall_by_height.py"


rule recognition_table:
    """One row per (dataset, scale, condition, seed): word accuracy and end-to-end H-mean."""
    input:
        paths(RECOGNITION_ROWS),
    output:
        report("results/recognition_table.csv", caption="../report/recognition_table.rst", category="6. Tables"),
    params:
        rows=keys(RECOGNITION_ROWS),
        averages=PLAN.word_set_groups(),
        code=CODE["report"],
    log:
        "logs/recognition_table.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognition_table.py"


rule craft_check:
    """The one-glance check of data, detector and protocol: each set's HR H-mean beside the published or
    reproduced CRAFT number for its detector (config craft_reproduction), differences over the tolerance flagged."""
    input:
        "results/detection_table.csv",
    output:
        "results/craft_reproduction.csv",
    params:
        references=config["craft_reproduction"],
        code=CODE["report"],
    log:
        "logs/craft_check.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/craft_check.py"
