rule detect:
    """CRAFT with the test set's detector settings on one condition's images; boxes in HR pixel coordinates."""
    input:
        unpack(detect_inputs_for),
    output:
        directory("results/det/{condition}/{dataset}/x{scale}/{detector}"),
    params:
        images=images_for,
        craft=detect_params_for,
        rescale=rescale_for,
        code=CODE["detect"],
    log:
        "logs/detect/{condition}/{dataset}/x{scale}/{detector}.log",
    benchmark:
        "benchmarks/detect/{condition}/{dataset}/x{scale}/{detector}.tsv"
    threads: res("detect", "threads")
    resources:
        gpu=res("detect", "gpu"),
        mem_mb=res("detect", "mem_mb"),
        runtime=res("detect", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detect.py"
