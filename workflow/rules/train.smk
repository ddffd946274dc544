rule train:
    """Train one SR method on one training set at one scale with one seed; resumes from results/checkpoints/ after
    a kill (its log is appended to, not overwritten)."""
    input:
        unpack(train_inputs_for),
    output:
        model=protected(layout.MODEL),
        curve=layout.CURVE,
    params:
        train=train_params_for,
        code=CODE["train"],
    priority: TRAINING_PRIORITY
    log:
        layout.log("train"),
    benchmark:
        layout.benchmark("train")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/train.py"


rule train_privileged:
    """PISR step 1: the privileged teacher (an encoder that sees HR + an FSRCNN decoder) of a PISR method; its
    student (rule train, same wildcards) starts from its decoder and distils from it with VID."""
    input:
        unpack(privileged_inputs_for),
    output:
        model=protected(layout.PRIVILEGED),
        curve=layout.PRIVILEGED_CURVE,
    params:
        train=privileged_params_for,
        code=CODE["train"],
    wildcard_constraints:
        method=_alternation(PISR_METHODS),
    priority: TRAINING_PRIORITY
    log:
        layout.log("train_privileged"),
    benchmark:
        layout.benchmark("train_privileged")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/train_privileged.py"
