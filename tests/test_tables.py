import csv
import json

import pytest

from textsr.study.plan import Condition
from textsr.report.tables import write_detection_table, write_sr_table


def _json(path, **values):
    path.write_text(json.dumps(values))
    return path


def test_condition_columns_separate_method_trainset_seed_and_degradations():
    assert Condition.parse("rcan_dat@div2k-s1234").columns() == {"condition": "rcan_dat@div2k", "method": "rcan_dat",
                                                                "trainset": "div2k", "seed": 1234,
                                                                "degradation": "bi", "train_degradation": "bi"}
    assert Condition.parse("bicubic").columns("bd") == {"condition": "bicubic", "method": "bicubic", "trainset": "",
                                                        "seed": "", "degradation": "bd", "train_degradation": ""}
    assert Condition.parse("hr").columns("none")["method"] == ""
    # a cross cell: the bi model on realworld LR images, its training degradation in the label and its column
    assert Condition.parse("rcan@div2k~bi-s1").columns("realworld") == {
        "condition": "rcan@div2k~bi", "method": "rcan", "trainset": "div2k", "seed": 1, "degradation": "realworld",
        "train_degradation": "bi"}
    # the plan knows a training set's own LR (`Plan.condition_columns`): TextZoom's real LR, bicubic test images
    assert Condition.parse("rcan@textzoom-s1").columns("bi", "real")["train_degradation"] == "real"
    with pytest.raises(ValueError, match="not a condition"):
        Condition.parse("rcan@div2k")  # a trained condition names its seed


def test_detection_table_has_design_columns_and_fixed_decimals(tmp_path):
    a = _json(tmp_path / "a.json", precision=0.9, recall=2 / 3, hmean=0.7659574468, n_images=3, n_gt=9, n_det=7)
    b = _json(tmp_path / "b.json", precision=0.0, recall=0.0, hmean=0.0, n_images=3, n_gt=9, n_det=0)
    keys = [{"dataset": "synth", "protocol": "icdar2015", "detector": "general-box", "scale": 1,
             **Condition.parse("hr").columns("none")},
            {"dataset": "synth", "protocol": "icdar2015", "detector": "general-box", "scale": 4,
             **Condition.parse("rcan@synth-s7").columns()}]
    out = tmp_path / "t.csv"
    write_detection_table([a, b], keys, out)
    lines = out.read_text().splitlines()
    assert lines[0] == ("dataset,protocol,detector,scale,degradation,condition,method,trainset,train_degradation,seed,"
                        "precision,recall,hmean,n_images,n_gt,n_det")
    # 2/3 -> 0.6667 (4 decimals, rounded), hmean 0.76595... -> 0.7660
    assert lines[1] == "synth,icdar2015,general-box,1,none,hr,,,,,0.9000,0.6667,0.7660,3,9,7"
    assert lines[2] == "synth,icdar2015,general-box,4,bi,rcan@synth,rcan,synth,bi,7,0.0000,0.0000,0.0000,3,9,0"


def test_sr_table_rows(tmp_path):
    m = _json(tmp_path / "m.json", psnr_y=28.41666, ssim_y=0.81044, n_images=5)
    out = tmp_path / "sr.csv"
    write_sr_table([m], [{"dataset": "set5", "scale": 4, **Condition.parse("bicubic").columns()}], out)
    rows = list(csv.DictReader(out.open()))
    assert rows == [{"dataset": "set5", "scale": "4", "degradation": "bi", "condition": "bicubic", "method": "bicubic",
                     "trainset": "", "train_degradation": "", "seed": "", "psnr_y": "28.417", "ssim_y": "0.8104",
                     "n_images": "5"}]


def test_mismatched_keys_are_an_error(tmp_path):
    with pytest.raises(ValueError, match="2 evaluation files but 1 row keys"):
        write_detection_table([tmp_path / "a", tmp_path / "b"], [{}], tmp_path / "x.csv")
