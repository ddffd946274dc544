"""Per-test-set detectors: CRAFT (the config's `craft:` defaults, a set's `detector:` overrides) and PP-OCRv6's DB
detector (`ppocrv6_det:` defaults, a set's `ppocrv6_det:` overrides), each resolved to settings and a short name.
Which families run on a set: its `detectors:` list, else the config's (`[craft]` unless it says otherwise).

A test set's detector is used for every condition of that set (hr, lr, bicubic, each SR model), so the SR
comparison stays fair; the name goes into the detection and evaluation paths and the tables' `detector` column,
so rows from different detectors are never silently side by side.

Name: `<weights>[+refiner]-<box|poly>` followed by every setting that differs from the official test.py
defaults (text 0.7, link 0.4, low_text 0.4, canvas 1280, mag 1.5): `-t<text>`, `-l<link>`, `-lt<low_text>`,
`-c<canvas>`, `-m<mag>`, then `-merge<gap>a<angle>` (line merging), `-bf16`, and `-fallback` when optional weights
were missing and the General model at the config's defaults stands in. E.g. `general-box`,
`ic15-box-t0.85-l0.2-lt0.5-c2240-m2`, `general+refiner-poly`.

DB's name: `ppocrv6-db` followed by every setting that differs from rapidocr 3.10.0's config (DB_DEFAULTS), e.g.
`ppocrv6-db-bt0.6-u2`. DB gives 4-point boxes only (its official post-processing in rapidocr has no polygon mode).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textsr.data.weights import CRAFT_GENERAL, CRAFT_IC15, CRAFT_REFINER

#: official CRAFT-pytorch test.py defaults (the reference of the short name): the one home of these numbers; the
#: CLI, the library's signatures and the configs (which state only what differs) read them from here
OFFICIAL = {"text_threshold": 0.7, "link_threshold": 0.4, "low_text": 0.4, "canvas_size": 1280, "mag_ratio": 1.5}
#: the config name of the General model (its file stem)
GENERAL = CRAFT_GENERAL.stem
#: every setting's default when neither the config's `craft:` block nor a set's `detector:` gives it: OFFICIAL, the
#: General model, no refiner, fp32 (the reference arithmetic), no line merging, one image per forward pass
#: (batch_size is no detector setting: batching leaves fp32 boxes unchanged, so it is not in the name)
DEFAULTS = {"weights": GENERAL, "refine": False, "precision": "fp32", "merge_lines": None, "batch_size": 1,
            **OFFICIAL}
#: CRAFT checkpoints by config name (file stem, `textsr.data.weights`) -> (file in WEIGHTS_DIR, short name)
WEIGHTS = {c.stem: (c.file, short) for c, short in ((CRAFT_GENERAL, "general"), (CRAFT_IC15, "ic15"))}
REFINER_FILE = CRAFT_REFINER.file
#: protocols scored on CRAFT's polygons (its --poly output) unless a set says otherwise
POLYGON_PROTOCOLS = ("totaltext", "totaltext-iou", "ctw1500")
_SHORT = {"text_threshold": "t", "link_threshold": "l", "low_text": "lt", "canvas_size": "c", "mag_ratio": "m"}
#: settings that belong to a checkpoint (dropped, with the weights, when falling back to the General model)
_WEIGHT_BOUND = ("weights", "refine", *OFFICIAL)


#: detector families a test set can name (`detectors: [craft, ppocrv6_det]`)
FAMILIES = ("craft", "ppocrv6_det")
DEFAULT_FAMILIES = ("craft",)
#: PP-OCRv6 DB settings: rapidocr 3.10.0 `rapidocr/config.yaml` (Global: min/max_side_len, min_height,
#: width_height_ratio; Det: the rest); `textsr.inference.dbnet` documents each step
DB_DEFAULTS = {
    "min_side_len": 30, "max_side_len": 2000, "min_height": 30, "width_height_ratio": 8,
    "limit_side_len": 736, "limit_type": "min", "thresh": 0.3, "box_thresh": 0.5, "max_candidates": 1000,
    "unclip_ratio": 1.6, "use_dilation": True, "score_mode": "fast",
}
_DB_SHORT = {"min_side_len": "mins", "max_side_len": "maxs", "min_height": "mh", "width_height_ratio": "whr",
             "limit_side_len": "l", "limit_type": "lt", "thresh": "t", "box_thresh": "bt", "max_candidates": "mc",
             "unclip_ratio": "u", "use_dilation": "dil", "score_mode": "sm"}


def _num(v: float) -> str:
    return f"{float(v):g}"


def detector_name(settings: Mapping[str, Any]) -> str:
    """The short name of resolved settings (see the module docstring)."""
    parts = [WEIGHTS[settings["weights"]][1] + ("+refiner" if settings["refine"] else ""),
             "poly" if settings["poly"] else "box"]
    parts += [f"{_SHORT[k]}{_num(settings[k])}" for k in OFFICIAL if float(settings[k]) != float(OFFICIAL[k])]
    if settings.get("merge_lines"):
        parts.append(f"merge{_num(settings['merge_lines']['gap'])}a{_num(settings['merge_lines']['angle'])}")
    if settings["precision"] != DEFAULTS["precision"]:
        parts.append(settings["precision"])
    if settings["fallback"]:
        parts.append("fallback")
    return "-".join(parts)


def resolve_detector(defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None, protocol: str, *,
                     present: Callable[[str], bool] = lambda f: True) -> dict:
    """A test set's CRAFT settings: DEFAULTS, then `defaults` (the config's craft block), then the set's `overrides`.

    poly is per set: True for the polygon protocols (POLYGON_PROTOCOLS), False for the others, unless the set's
    overrides say otherwise (the craft block has no global switch); refine forces
    poly (as the official test.py). present(file): is an optional weights file there (planning time)? When the
    set's weights or refiner are missing, the General model at `defaults` stands in (poly, merge_lines and
    precision kept) and the result says so (`fallback`, `missing`).
    Returns {weights, weights_file, refine, refiner_file, poly, text_threshold, link_threshold, low_text,
    canvas_size, mag_ratio, precision, merge_lines, batch_size, fallback, missing, name}.
    """
    base = {**DEFAULTS, **dict(defaults or {})}
    base["poly"] = protocol in POLYGON_PROTOCOLS
    settings = {**base, **dict(overrides or {})}
    if settings["weights"] not in WEIGHTS:
        raise ValueError(f"unknown CRAFT weights {settings['weights']!r}; known: {sorted(WEIGHTS)}")
    needed = [WEIGHTS[settings["weights"]][0]] + ([REFINER_FILE] if settings["refine"] else [])
    missing = [f for f in needed if f != WEIGHTS[GENERAL][0] and not present(f)]
    settings["fallback"] = bool(missing)
    settings["missing"] = missing
    if missing:
        settings.update({k: base[k] for k in _WEIGHT_BOUND})
        settings["weights"], settings["refine"] = GENERAL, False
    if settings["refine"]:
        settings["poly"] = True
    settings["weights_file"] = WEIGHTS[settings["weights"]][0]
    settings["refiner_file"] = REFINER_FILE if settings["refine"] else None
    settings["name"] = detector_name(settings)
    return settings


def detect_keywords(settings: Mapping[str, Any]) -> dict:
    """The `textsr.inference.detect.detect_folder` keywords of resolved settings (weights passed separately)."""
    keys = ("poly", "refine", "precision", "merge_lines", *OFFICIAL)
    return {k: settings[k] for k in keys}


def _db_value(v) -> str:
    return str(v).lower() if isinstance(v, (bool, str)) else _num(v)


def resolve_db(defaults: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None) -> dict:
    """A test set's DB settings: DB_DEFAULTS, then the config's `ppocrv6_det:` block, then the set's. Unknown keys
    are errors. Returns {family, settings, name} (settings: every DB_DEFAULTS key)."""
    given = {**dict(defaults or {}), **dict(overrides or {})}
    unknown = sorted(set(given) - set(DB_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown ppocrv6_det settings {unknown}; known: {sorted(DB_DEFAULTS)}")
    settings = {**DB_DEFAULTS, **given}
    name = "-".join(["ppocrv6-db"] + [f"{_DB_SHORT[k]}{_db_value(settings[k])}" for k in DB_DEFAULTS
                                      if settings[k] != DB_DEFAULTS[k]])
    return {"family": "ppocrv6_det", "settings": settings, "name": name}


def resolve_detectors(config: Mapping[str, Any], testset: Mapping[str, Any], *,
                      present: Callable[[str], bool] = lambda f: True) -> list[dict]:
    """Every detector of one test set, in `detectors:` order (the set's, else the config's, else DEFAULT_FAMILIES):
    CRAFT's resolved settings (`resolve_detector`, with family "craft") and/or DB's (`resolve_db`)."""
    families = list(testset.get("detectors") or config.get("detectors") or DEFAULT_FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or len(set(families)) != len(families):
        raise ValueError(f"detectors {families}: each of {list(FAMILIES)} at most once")
    out = []
    for family in families:
        if family == "craft":
            out.append({"family": "craft", **resolve_detector(config.get("craft"), testset.get("detector"),
                                                               testset["protocol"], present=present)})
        else:
            out.append(resolve_db(config.get("ppocrv6_det"), testset.get("ppocrv6_det")))
    return out
