rule detect:
    """One of the test set's detectors (CRAFT with its settings, or PP-OCRv6's DB) on one condition's images; boxes
    in HR pixel coordinates."""
    input:
        unpack(detect_inputs_for),
    output:
        directory(layout.DET),
    params:
        images=images_for,
        detector=detect_params_for,
        rescale=rescale_for,
        code=detect_code_for,
    log:
        layout.log("detect"),
    benchmark:
        layout.benchmark("detect")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detect.py"
