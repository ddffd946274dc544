"""The CRAFT reproduction check: HR H-mean beside the reference for the set's detector."""

from textsr.report.reproduction import craft_check, format_reproduction, reproduction_rows

HR = [{"dataset": "icdar2015", "detector": "general-box-fallback", "condition": "hr", "precision": "0.8500",
       "recall": "0.7800", "hmean": "0.8100"},
      {"dataset": "totaltext", "detector": "general-poly", "condition": "hr", "precision": "0.8800",
       "recall": "0.7900", "hmean": "0.8326"}]
REFS = [{"dataset": "icdar2015", "detector": "general-box", "precision": 0.851, "recall": 0.794, "hmean": 0.822,
         "source": "CRAFT-pytorch #29"},
        {"dataset": "icdar2015", "detector": "ic15-box-t0.85-l0.2-lt0.5-c2240-m2", "hmean": 0.869, "source": "paper"},
        {"dataset": "totaltext", "detector": "general-poly", "hmean": 0.836, "source": "TT README"}]


def test_fallback_detector_is_checked_against_the_general_model_and_differences_are_flagged():
    rows = reproduction_rows(HR, REFS)
    assert [(r["dataset"], r["ref_hmean"], r["diff_points"], r["check"]) for r in rows] == [
        ("icdar2015", "82.2", "-1.2", "CHECK"),  # 81.0 - 82.2 = -1.2 points: over the 0.5-point tolerance
        ("totaltext", "83.6", "-0.3", "ok"),  # 83.26 - 83.6 = -0.34
    ]
    assert "CHECK" in format_reproduction(rows)


def test_no_reference_prints_nothing(tmp_path, capsys):
    det = tmp_path / "d.csv"
    det.write_text("dataset,protocol,detector,scale,condition,method,trainset,seed,precision,recall,hmean,n_images,"
                   "n_gt,n_det\nsynth,icdar2015,general-box,1,hr,,,,0.9,0.9,0.9,1,1,1\n")
    assert craft_check(det, [], tmp_path / "r.csv") == []
    assert (tmp_path / "r.csv").read_text().startswith("dataset,detector,") and capsys.readouterr().out == ""
