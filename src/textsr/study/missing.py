"""What to say when a checkpoint the user brings (the IC15 model, the LinkRefiner) is missing at planning time: which
file, where to get it (`textsr.data.weights`' catalogue), where to put it (`layout.WEIGHTS_DIR`), and which test sets
fall back to the General model meanwhile. Said once per file by the planner, and in each such detect job's log.
Torch-free (parse time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textsr.data.weights import CRAFT_CHECKPOINTS
from textsr.study import layout


def missing_weights_note(file: str, sets: Sequence[str]) -> str:
    """One line: missing_weights_note("craft_refiner_CTW1500.pth", ["ctw1500"]) names the file, its description,
    its official link (or page), `resources/weights/craft_refiner_CTW1500.pth`, and the sets that fall back."""
    entry = CRAFT_CHECKPOINTS.get(file)
    what = f"{file} ({entry.description})" if entry else file
    where = (entry.url or entry.page) if entry else "its official page"
    page = f" (official page: {entry.page})" if entry and entry.url else ""
    return (f"missing {what}: download it from {where}{page} and save it as {layout.WEIGHTS.format(file=file)}; "
            f"until then {', '.join(sets)} {'is' if len(sets) == 1 else 'are'} detected with the General model "
            f"(its detector name ends in -fallback; craft_reproduction.csv names the file beside the published number)")


def missing_weights(detectors: Mapping[str, Mapping]) -> dict[str, list[str]]:
    """Resolved detectors by test set -> {missing file: [test sets that need it]}, in config order."""
    out: dict[str, list[str]] = {}
    for name, d in detectors.items():
        for file in d.get("missing") or []:
            out.setdefault(file, []).append(name)
    return out
