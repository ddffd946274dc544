rule teacher_maps:
    """CRAFT teacher attention maps sum_c |A_c|^p, once per HR training image ({teacher}: layers-p<p>)."""
    input:
        data=dataset_for_trainset,
        weights=CRAFT_WEIGHTS,
    output:
        directory(layout.TEACHER),
    params:
        hr=hr_train_for,
        maps=teacher_params_for,
        inference=config["inference"],
        code=CODE["teacher"],
    priority: TRAINING_PRIORITY
    log:
        layout.log("teacher_maps"),
    benchmark:
        layout.benchmark("teacher_maps")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/teacher_maps.py"
