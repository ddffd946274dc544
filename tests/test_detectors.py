"""Per-test-set CRAFT settings (textsr.inference.detectors): defaults, overrides, polygons by protocol, names, fallback."""

import subprocess
import sys

import pytest

from textsr.data.weights import CRAFT_GENERAL, CRAFT_IC15, CRAFT_REFINER
from textsr.inference.detectors import (
    DEFAULTS,
    GENERAL,
    OFFICIAL,
    REFINER_FILE,
    WEIGHTS,
    detect_keywords,
    detector_name,
    resolve_detector,
)

CRAFT = dict(OFFICIAL)


def test_defaults_are_the_official_test_py_and_the_mode_follows_the_protocol():
    assert resolve_detector(CRAFT, None, "icdar2015")["name"] == "general-box"
    for protocol in ("totaltext", "totaltext-iou", "ctw1500"):  # curved text: CRAFT's polygons
        assert resolve_detector(CRAFT, None, protocol)["name"] == "general-poly"
    assert resolve_detector(CRAFT, {"poly": True}, "msra-td500")["name"] == "general-poly"  # a set may say


def test_only_settings_that_differ_from_test_py_appear_in_the_name_in_a_fixed_order():
    ic15 = {"weights": "craft_ic15_20k", "low_text": 0.5, "link_threshold": 0.2, "text_threshold": 0.85,
            "mag_ratio": 2, "canvas_size": 2240}
    assert resolve_detector(CRAFT, ic15, "icdar2015")["name"] == "ic15-box-t0.85-l0.2-lt0.5-c2240-m2"
    assert resolve_detector(CRAFT, {"link_threshold": 0.4}, "icdar2013")["name"] == "general-box"
    assert resolve_detector({**CRAFT, "precision": "bf16"}, None, "icdar2015")["name"] == "general-box-bf16"
    td500 = resolve_detector(CRAFT, {"merge_lines": {"gap": 1.0, "angle": 10.0}}, "msra-td500")
    assert td500["name"] == "general-box-merge1a10"


def test_the_refiner_forces_polygons_and_missing_weights_fall_back_to_the_general_model_at_the_defaults():
    ctw = resolve_detector(CRAFT, {"refine": True, "link_threshold": 0.3}, "ctw1500", present=lambda f: True)
    assert ctw["name"] == "general+refiner-poly-l0.3" and ctw["refiner_file"] == "craft_refiner_CTW1500.pth"
    gone = resolve_detector(CRAFT, {"refine": True, "link_threshold": 0.3}, "ctw1500", present=lambda f: False)
    assert gone["name"] == "general-poly-fallback" and gone["missing"] == ["craft_refiner_CTW1500.pth"]
    assert gone["link_threshold"] == 0.4 and not gone["refine"]  # the checkpoint's own settings go with it
    ic15 = resolve_detector({**CRAFT, "precision": "bf16"}, {"weights": "craft_ic15_20k", "text_threshold": 0.85},
                            "icdar2015", present=lambda f: False)
    assert ic15["name"] == "general-box-bf16-fallback" and ic15["weights_file"] == "craft_mlt_25k.pth"


def test_keywords_for_detect_folder_and_unknown_weights():
    d = resolve_detector(CRAFT, None, "totaltext")
    assert detect_keywords(d) == {"poly": True, "refine": False, "precision": "fp32", "merge_lines": None, **OFFICIAL}
    assert detector_name(d) == d["name"]
    with pytest.raises(ValueError, match="craft_ic13"):
        resolve_detector(CRAFT, {"weights": "craft_ic13"}, "icdar2013")


def test_an_empty_craft_block_resolves_to_the_defaults_of_this_module():
    # configs state only what differs: `craft: {}` must give test.py's 0.7 / 0.4 / 0.4 / 1280 / 1.5, the General
    # model, fp32 and one image per batch; a block that says the same thing gives the same detector
    empty = resolve_detector({}, None, "icdar2015")
    assert {k: empty[k] for k in DEFAULTS} == DEFAULTS
    assert (empty["text_threshold"], empty["link_threshold"], empty["low_text"], empty["canvas_size"],
            empty["mag_ratio"]) == (0.7, 0.4, 0.4, 1280, 1.5)
    assert empty["name"] == "general-box" and empty["weights_file"] == "craft_mlt_25k.pth" and empty["batch_size"] == 1
    assert resolve_detector(None, None, "icdar2015") == empty
    assert resolve_detector({**OFFICIAL, "precision": "fp32"}, None, "icdar2015") == empty
    assert resolve_detector({"batch_size": 4}, None, "icdar2015")["name"] == "general-box"  # batching: not named


def test_checkpoint_files_come_from_the_catalogue():
    assert WEIGHTS == {"craft_mlt_25k": (CRAFT_GENERAL.file, "general"), "craft_ic15_20k": (CRAFT_IC15.file, "ic15")}
    assert REFINER_FILE == CRAFT_REFINER.file == "craft_refiner_CTW1500.pth"
    assert GENERAL == "craft_mlt_25k"


def test_planning_modules_import_no_torch():
    # the Snakefile imports detectors and the catalogues at parse time (DESIGN section 10: planning is cheap)
    code = ("import sys, textsr.inference.detectors, textsr.data.weights, textsr.data.catalog; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_db_settings_name_what_differs_from_rapidocr_and_the_schema_lists_exactly_them():
    from pathlib import Path

    import yaml

    from textsr.inference.detectors import DB_DEFAULTS, resolve_db, resolve_detectors

    assert resolve_db(None, None)["name"] == "ppocrv6-db"
    assert resolve_db({"box_thresh": 0.5}, None)["name"] == "ppocrv6-db"  # the default stated: no change
    d = resolve_db({"box_thresh": 0.6, "unclip_ratio": 2.0}, {"use_dilation": False})
    assert d["name"] == "ppocrv6-db-bt0.6-u2-dilfalse" and d["settings"]["thresh"] == 0.3
    with pytest.raises(ValueError, match=r"unknown ppocrv6_det settings \['unclip'\]"):
        resolve_db({"unclip": 2.0}, None)
    schema = yaml.safe_load((Path(__file__).parents[1] / "workflow/schemas/config.schema.yaml").read_text())
    assert set(schema["definitions"]["db_settings"]["properties"]) == set(DB_DEFAULTS)
    # which families a set runs: its own list, else the config's, else CRAFT alone
    ic15 = {"protocol": "icdar2015"}
    assert [d["name"] for d in resolve_detectors({}, ic15)] == ["general-box"]
    assert [d["family"] for d in resolve_detectors({"detectors": ["ppocrv6_det", "craft"]}, ic15)] == [
        "ppocrv6_det", "craft"]
    assert [d["name"] for d in resolve_detectors({"detectors": ["craft"]}, {**ic15, "detectors": ["ppocrv6_det"]})] \
        == ["ppocrv6-db"]
    with pytest.raises(ValueError, match="at most once"):
        resolve_detectors({"detectors": ["craft", "craft"]}, ic15)
