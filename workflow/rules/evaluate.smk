rule evaluate:
    """The test set's official protocol on one condition's detections: P/R/H and per-image matches."""
    input:
        data=dataset_for,
        det=det_for,
    output:
        layout.EVAL,
    params:
        gt=gt_for,
        images=test_images_for,
        protocol=protocol_for,
        code=CODE["evaluate"],
    log:
        layout.log("evaluate"),
    benchmark:
        layout.benchmark("evaluate")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/evaluate.py"


rule sr_metrics:
    """PSNR/SSIM on Y (BT.601, shave = scale) of one condition's SR images against the HR test images."""
    input:
        sr=sr_images_for,
        data=dataset_for,
    output:
        layout.EVAL_SR,
    params:
        hr=hr_test_for,
        scale=scale_of,
        code=CODE["evaluate"],
    wildcard_constraints:
        condition=r"[a-z0-9_]+@[a-z0-9_]+(~[a-z0-9_]+)?-s\d+|rcan-official|bicubic",
    log:
        layout.log("sr_metrics"),
    benchmark:
        layout.benchmark("sr_metrics")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/sr_metrics.py"
