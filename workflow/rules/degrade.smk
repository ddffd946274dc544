rule degrade:
    """HR -> LR: modcrop, then MATLAB-compatible bicubic downscaling by the SR factor ({split}: train or test)."""
    input:
        dataset_for,
    output:
        directory(layout.LR),
    params:
        hr=hr_for_split,
        scale=scale_of,
        code=CODE["degrade"],
    log:
        layout.log("degrade"),
    benchmark:
        layout.benchmark("degrade")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/degrade.py"


rule bicubic:
    """The `bicubic` condition: LR test images upscaled by MATLAB-compatible bicubic interpolation."""
    input:
        lr_test_input_for,
    output:
        directory(layout.partial(layout.SR, condition="bicubic")),
    params:
        lr=lr_test_for,
        scale=scale_of,
        code=CODE["degrade"],
    log:
        layout.log("bicubic"),
    benchmark:
        layout.benchmark("bicubic")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/bicubic.py"
