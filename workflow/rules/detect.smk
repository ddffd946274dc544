rule detect:
    """CRAFT on one condition's images of one test set; boxes in HR pixel coordinates."""
    input:
        images=detect_input_for,
        weights=CRAFT_WEIGHTS,
    output:
        directory("results/det/{condition}/{dataset}/x{scale}"),
    params:
        images=images_for,
        craft=config["craft"],
        rescale=rescale_for,
        code=CODE["detect"],
    log:
        "logs/detect/{condition}/{dataset}/x{scale}.log",
    benchmark:
        "benchmarks/detect/{condition}/{dataset}/x{scale}.tsv"
    threads: res("detect", "threads")
    resources:
        gpu=res("detect", "gpu"),
        mem_mb=res("detect", "mem_mb"),
        runtime=res("detect", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detect.py"
