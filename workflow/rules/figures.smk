rule figures:
    """Every paper figure (PDF + PNG under results/figures/) and the Markdown / LaTeX tables."""
    input:
        paper_targets(),


rule fig_hmean:
    """The main figure: H-mean per test set and condition, precision and recall marked, seeds as dots, each
    condition's 95% interval of the H-mean difference against bicubic."""
    input:
        detection=layout.DETECTION_TABLE,
        comparisons=layout.COMPARISONS,
    output:
        pdf=report(
            layout.figure("hmean", "pdf"),
            caption="../report/hmean.rst",
            category="1. Detection",
            labels={"figure": "H-mean per test set", "format": "PDF"},
        ),
        png=report(
            layout.figure("hmean", "png"),
            caption="../report/hmean.rst",
            category="1. Detection",
            labels={"figure": "H-mean per test set", "format": "PNG"},
        ),
    params:
        code=CODE["report"],
    log:
        layout.log("fig_hmean"),
    benchmark:
        layout.benchmark("fig_hmean")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_hmean.py"


rule fig_degradations:
    """H-mean by degradation and condition (seeds as dots, HR the upper bound) over the differences of every
    comparison with its 95% interval and the equivalence band (configs with several degradations)."""
    input:
        detection=layout.DETECTION_TABLE,
        comparisons=layout.COMPARISONS,
    output:
        pdf=report(
            layout.figure("hmean_by_degradation", "pdf"),
            caption="../report/hmean_by_degradation.rst",
            category="1. Detection",
            labels={"figure": "H-mean by degradation", "format": "PDF"},
        ),
        png=report(
            layout.figure("hmean_by_degradation", "png"),
            caption="../report/hmean_by_degradation.rst",
            category="1. Detection",
            labels={"figure": "H-mean by degradation", "format": "PNG"},
        ),
    params:
        code=CODE["report"],
        margin=config["comparisons"]["margin"],
    log:
        layout.log("fig_degradations"),
    benchmark:
        layout.benchmark("fig_degradations")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_degradations.py"


rule fig_fidelity:
    """PSNR against H-mean per SR condition and test set: does fidelity predict detectability?"""
    input:
        detection=layout.DETECTION_TABLE,
        sr=layout.SR_TABLE,
    output:
        pdf=report(
            layout.figure("fidelity", "pdf"),
            caption="../report/fidelity.rst",
            category="2. Fidelity",
            labels={"figure": "PSNR vs H-mean", "format": "PDF"},
        ),
        png=report(
            layout.figure("fidelity", "png"),
            caption="../report/fidelity.rst",
            category="2. Fidelity",
            labels={"figure": "PSNR vs H-mean", "format": "PNG"},
        ),
    params:
        code=CODE["report"],
    log:
        layout.log("fig_fidelity"),
    benchmark:
        layout.benchmark("fig_fidelity")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_fidelity.py"


rule fig_recall_by_height:
    """Recall by ground-truth text height per condition: where SR helps."""
    input:
        layout.RECALL_BY_HEIGHT,
    output:
        pdf=report(
            layout.figure("recall_by_height", "pdf"),
            caption="../report/recall_by_height.rst",
            category="1. Detection",
            labels={"figure": "recall by text height", "format": "PDF"},
        ),
        png=report(
            layout.figure("recall_by_height", "png"),
            caption="../report/recall_by_height.rst",
            category="1. Detection",
            labels={"figure": "recall by text height", "format": "PNG"},
        ),
    params:
        code=CODE["report"],
    log:
        layout.log("fig_recall_by_height"),
    benchmark:
        layout.benchmark("fig_recall_by_height")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_recall_by_height.py"


rule fig_recognition:
    """Word accuracy by condition beside detection H-mean."""
    input:
        recognition=layout.RECOGNITION_TABLE,
        detection=layout.DETECTION_TABLE,
    output:
        pdf=report(
            layout.figure("recognition", "pdf"),
            caption="../report/recognition.rst",
            category="1. Detection",
            labels={"figure": "word accuracy", "format": "PDF"},
        ),
        png=report(
            layout.figure("recognition", "png"),
            caption="../report/recognition.rst",
            category="1. Detection",
            labels={"figure": "word accuracy", "format": "PNG"},
        ),
    params:
        code=CODE["report"],
    log:
        layout.log("fig_recognition"),
    benchmark:
        layout.benchmark("fig_recognition")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_recognition.py"


rule fig_qualitative:
    """The same crops under LR, bicubic, the trained models and HR, detections drawn by outcome."""
    input:
        evals=qualitative_evals,
        images=qualitative_inputs,
    output:
        pdf=report(
            layout.figure(layout.QUALITATIVE_FIGURE, "pdf"),
            caption="../report/qualitative.rst",
            category="3. Qualitative",
            subcategory="{dataset}",
            labels={"test set": "{dataset}", "scale": "x{scale}", "format": "PDF"},
        ),
        png=report(
            layout.figure(layout.QUALITATIVE_FIGURE, "png"),
            caption="../report/qualitative.rst",
            category="3. Qualitative",
            subcategory="{dataset}",
            labels={"test set": "{dataset}", "scale": "x{scale}", "format": "PNG"},
        ),
    params:
        conditions=qualitative_conditions_for,
        image_dirs=qualitative_image_dirs,
        hr=hr_test_dir,
        dataset="{dataset}",
        scale=scale_of,
        code=CODE["report"],
    log:
        layout.log("fig_qualitative"),
    benchmark:
        layout.benchmark("fig_qualitative")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_qualitative.py"


rule fig_attention:
    """Teacher F(A) beside the student's spatial attention, per distilled layer pair, on held-out images."""
    input:
        unpack(attention_inputs),
    output:
        pdf=report(
            layout.figure(layout.ATTENTION_FIGURE, "pdf"),
            caption="../report/attention.rst",
            category="4. Attention distillation",
            subcategory="{trainset}",
            labels={"model": "{method}@{trainset}", "scale": "x{scale}", "format": "PDF"},
        ),
        png=report(
            layout.figure(layout.ATTENTION_FIGURE, "png"),
            caption="../report/attention.rst",
            category="4. Attention distillation",
            subcategory="{trainset}",
            labels={"model": "{method}@{trainset}", "scale": "x{scale}", "format": "PNG"},
        ),
    params:
        lr=attention_lr_dir,
        code=CODE["report"],
    log:
        layout.log("fig_attention"),
    benchmark:
        layout.benchmark("fig_attention")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_attention.py"


rule fig_curves:
    """Training curves of every method on one training set: each loss term and validation PSNR."""
    input:
        curve_tsvs,
    output:
        pdf=report(
            layout.figure(layout.CURVES_FIGURE, "pdf"),
            caption="../report/curves.rst",
            category="5. Training",
            subcategory="{trainset}",
            labels={"training set": "{trainset}", "scale": "x{scale}", "format": "PDF"},
        ),
        png=report(
            layout.figure(layout.CURVES_FIGURE, "png"),
            caption="../report/curves.rst",
            category="5. Training",
            subcategory="{trainset}",
            labels={"training set": "{trainset}", "scale": "x{scale}", "format": "PNG"},
        ),
    params:
        conditions=curve_conditions,
        code=CODE["report"],
    log:
        layout.log("fig_curves"),
    benchmark:
        layout.benchmark("fig_curves")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fig_curves.py"


rule detection_markdown:
    """The detection table as Markdown, best per test set and scale in bold."""
    input:
        layout.DETECTION_TABLE,
    output:
        report(
            layout.DETECTION_MARKDOWN,
            caption="../report/detection_table_md.rst",
            category="6. Tables",
            labels={"table": "detection", "format": "Markdown"},
        ),
    params:
        code=CODE["report"],
    log:
        layout.log("detection_markdown"),
    benchmark:
        layout.benchmark("detection_markdown")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detection_markdown.py"


rule latex_tables:
    """Both tables (detection, SR fidelity) as LaTeX booktabs, best per test set and scale in bold."""
    input:
        detection=layout.DETECTION_TABLE,
        sr=layout.SR_TABLE,
    output:
        report(
            layout.LATEX_TABLES,
            caption="../report/tables_tex.rst",
            category="6. Tables",
            labels={"table": "detection + SR", "format": "LaTeX"},
        ),
    params:
        code=CODE["report"],
    log:
        layout.log("latex_tables"),
    benchmark:
        layout.benchmark("latex_tables")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/latex_tables.py"
