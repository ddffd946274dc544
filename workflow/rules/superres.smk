rule superres:
    """An SR model ({method}@{trainset}-s{seed}, or rcan-official) on the LR test images of one data set."""
    input:
        lr=lr_test_input_for,
        weights=sr_weights_for,
    output:
        directory("results/sr/{condition}/{dataset}/x{scale}"),
    params:
        lr=lr_test_for,
        weights=sr_weights_file_for,
        inference=config["inference"],
        code=CODE["superres"],
    wildcard_constraints:
        condition=r"[a-z0-9_]+@[a-z0-9_]+-s\d+|rcan-official",
    log:
        "logs/superres/{condition}/{dataset}/x{scale}.log",
    benchmark:
        "benchmarks/superres/{condition}/{dataset}/x{scale}.tsv"
    threads: res("superres", "threads")
    resources:
        gpu=res("superres", "gpu"),
        mem_mb=res("superres", "mem_mb"),
        runtime=res("superres", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/superres.py"


rule official_weights:
    """The user's copy of an official RCAN_BIX<s>.pt (resources/weights/), checked; a clear message if absent."""
    output:
        "resources/weights/{file}.verified",
    wildcard_constraints:
        file=_alternation(sorted(CATALOG.WEIGHTS["rcan-official"]["files"].values())),
    log:
        "logs/official_weights/{file}.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fetch_weights.py"
