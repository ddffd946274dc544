rule degrade:
    """HR -> LR by one of the config's degradations ({split}: train or test): `bi` is modcrop, then MATLAB-compatible
    bicubic downscaling by the SR factor; random ones draw per image from the config's seed and the image name."""
    input:
        dataset_for,
    output:
        directory(layout.LR),
    params:
        hr=hr_for_split,
        scale=scale_of,
        degradation=degradation_params_for,
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
    """The `bicubic` condition: LR test images (of one degradation) upscaled by MATLAB-compatible bicubic
    interpolation."""
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
