from pathlib import Path

from textsr.inference.detectors import resolve_detector
from textsr.study import layout
from textsr.study.missing import missing_weights_note
from textsr.util.logs import to_file


def fallback_notes(wildcards, config) -> list[str]:
    """For a `-fallback` detector: a line per checkpoint the set's configured detector needs and lacks."""
    if not wildcards.detector.endswith("-fallback"):
        return []
    spec = config["testsets"][wildcards.dataset]
    needed = resolve_detector(config["craft"], spec.get("detector"), spec["protocol"], present=lambda f: False)
    absent = [f for f in needed["missing"] if not Path(layout.WEIGHTS.format(file=f)).is_file()]
    if not absent:
        return [f"{', '.join(needed['missing'])} was missing when this run was planned and is there now: plan again "
                f"to detect with it (the detector name loses -fallback)"]
    return [missing_weights_note(f, [wildcards.dataset]) for f in absent]


with to_file(snakemake.log[0]):
    for note in fallback_notes(snakemake.wildcards, snakemake.config):
        print(f"fallback: {note}", flush=True)
    settings = dict(snakemake.params.detector)
    if settings.pop("family") == "ppocrv6_det":  # onnxruntime: a DB job never imports torch
        from textsr.inference.dbnet import detect_folder_db as run
    else:
        from textsr.inference.detect import detect_folder as run
    run(snakemake.params.images, snakemake.output[0], threads=snakemake.threads, rescale=snakemake.params.rescale,
        **settings)
