rule train:
    """Train one SR method on one training set at one scale; resumes from results/checkpoints/ after a kill."""
    input:
        unpack(train_inputs_for),
    output:
        model="results/models/{method}/{trainset}/x{scale}/model.pt",
        curve="results/models/{method}/{trainset}/x{scale}/curve.tsv",
    params:
        train=train_params_for,
        code=CODE["train"],
    log:
        "logs/train/{method}/{trainset}/x{scale}.log",
    benchmark:
        "benchmarks/train/{method}/{trainset}/x{scale}.tsv"
    threads: res("train", "threads")
    resources:
        gpu=res("train", "gpu"),
        mem_mb=res("train", "mem_mb"),
        runtime=res("train", "runtime"),
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/train.py"
