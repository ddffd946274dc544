rule teacher_maps:
    """CRAFT teacher attention maps sum_c |A_c|^p, once per HR training image ({teacher}: layers-p<p>)."""
    input:
        data=manifest_for_trainset,
        weights=CRAFT_WEIGHTS,
    output:
        directory(layout.TEACHER),
    params:
        hr=hr_train_for,
        maps=teacher_params_for,
        inference=config["inference"],
        code=CODE["teacher"],
    log:
        layout.log("teacher_maps"),
    benchmark:
        layout.benchmark("teacher_maps")
    threads: res("teacher", "threads")
    resources:
        gpu=res("teacher", "gpu"),
        mem_mb=res("teacher", "mem_mb"),
        runtime=res("teacher", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/teacher_maps.py"
