rule degrade:
    """HR -> LR: modcrop, then MATLAB-compatible bicubic downscaling by the SR factor ({split}: train or test)."""
    input:
        manifest_for,
    output:
        directory("results/lr/{dataset}/{split}/x{scale}"),
    params:
        hr=hr_for_split,
        code=CODE["degrade"],
    log:
        "logs/degrade/{dataset}/{split}/x{scale}.log",
    threads: res("degrade", "threads")
    resources:
        mem_mb=res("degrade", "mem_mb"),
        runtime=res("degrade", "runtime"),
    benchmark:
        "benchmarks/degrade/{dataset}/{split}/x{scale}.tsv"
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/degrade.py"


rule bicubic:
    """The `bicubic` condition: LR test images upscaled by MATLAB-compatible bicubic interpolation."""
    input:
        lr_test_input_for,
    output:
        directory("results/sr/bicubic/{dataset}/x{scale}"),
    params:
        lr=lr_test_for,
        code=CODE["degrade"],
    log:
        "logs/bicubic/{dataset}/x{scale}.log",
    threads: res("degrade", "threads")
    resources:
        mem_mb=res("degrade", "mem_mb"),
        runtime=res("degrade", "runtime"),
    benchmark:
        "benchmarks/bicubic/{dataset}/x{scale}.tsv"
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/bicubic.py"
