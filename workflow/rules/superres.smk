rule superres:
    """An SR model ({method}@{trainset}-s{seed}, or rcan-official) on the LR test images of one data set."""
    input:
        lr=lr_test_input_for,
        weights=sr_weights_for,
    output:
        directory(layout.SR),
    params:
        lr=lr_test_for,
        weights=sr_weights_file_for,
        scale=scale_of,
        inference=config["inference"],
        code=CODE["superres"],
    wildcard_constraints:
        condition=r"[a-z0-9_]+@[a-z0-9_]+(~[a-z0-9_]+)?-s\d+|rcan-official",
    log:
        layout.log("superres"),
    benchmark:
        layout.benchmark("superres")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/superres.py"


rule official_weights:
    """The user's copy of an official RCAN_BIX<s>.pt (resources/weights/), checked; a clear message if absent."""
    output:
        layout.WEIGHTS_VERIFIED,
    wildcard_constraints:
        file=_alternation(sorted(CATALOG.WEIGHTS["rcan-official"]["files"].values())),
    log:
        layout.log("official_weights"),
    benchmark:
        layout.benchmark("official_weights")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fetch_weights.py"
