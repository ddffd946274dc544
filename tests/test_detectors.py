"""Per-test-set CRAFT settings (textsr.detectors): defaults, overrides, polygons by protocol, names, fallback."""

import pytest

from textsr.detectors import OFFICIAL, detect_keywords, detector_name, resolve_detector

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
