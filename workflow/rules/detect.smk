rule detect:
    """CRAFT with the test set's detector settings on one condition's images; boxes in HR pixel coordinates."""
    input:
        unpack(detect_inputs_for),
    output:
        directory(layout.DET),
    params:
        images=images_for,
        craft=detect_params_for,
        rescale=rescale_for,
        code=CODE["detect"],
    log:
        layout.log("detect"),
    benchmark:
        layout.benchmark("detect")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detect.py"
