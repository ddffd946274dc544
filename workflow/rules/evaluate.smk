rule evaluate:
    """The test set's official protocol on one condition's detections: P/R/H and per-image matches."""
    input:
        data=manifest_for,
        det="results/det/{condition}/{dataset}/x{scale}/{detector}",
    output:
        "results/eval/{condition}/{dataset}/x{scale}/{detector}.json",
    params:
        gt=gt_for,
        images=test_images_for,
        protocol=protocol_for,
        code=CODE["evaluate"],
    log:
        "logs/evaluate/{condition}/{dataset}/x{scale}/{detector}.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/evaluate.py"


rule sr_metrics:
    """PSNR/SSIM on Y (BT.601, shave = scale) of one condition's SR images against the HR test images."""
    input:
        sr="results/sr/{condition}/{dataset}/x{scale}",
        data=manifest_for,
    output:
        "results/eval_sr/{condition}/{dataset}/x{scale}.json",
    params:
        hr=hr_test_for,
        code=CODE["evaluate"],
    wildcard_constraints:
        condition=r"[a-z0-9_]+@[a-z0-9_]+-s\d+|rcan-official|bicubic",
    log:
        "logs/sr_metrics/{condition}/{dataset}/x{scale}.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/sr_metrics.py"
