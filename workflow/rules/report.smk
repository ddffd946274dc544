rule detection_table:
    """One row per (dataset, protocol, scale, condition): precision, recall, H-mean and counts."""
    input:
        eval_jsons(),
    output:
        report("results/detection_table.csv", caption="../report/detection_table.rst", category="6. Tables"),
    params:
        rows=table_rows(eval_jsons()),
        code=CODE["report"],
    log:
        "logs/detection_table.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/detection_table.py"


rule sr_table:
    """One row per (dataset, scale, condition): mean Y-PSNR and Y-SSIM."""
    input:
        sr_eval_jsons(),
    output:
        report("results/sr_table.csv", caption="../report/sr_table.rst", category="6. Tables"),
    params:
        rows=table_rows(sr_eval_jsons()),
        code=CODE["report"],
    log:
        "logs/sr_table.log",
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/sr_table.py"
