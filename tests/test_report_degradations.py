"""Two degradations of one test set stay apart in every table and figure input (issue 24), `hr` (no degradation)
is the upper bound beside each; numbers by hand.

The study: test set synth at x4 on `bi` and `bd` LR images. H-mean (= P = R, in %): hr 99; bi: bicubic 40,
rcan@s 60; bd: bicubic 50, rcan@s 30. Merged by (dataset, scale), bd's best (bicubic 50) would lose to bi's rcan.
"""

from __future__ import annotations

import csv
import json

import pytest

from textsr.report.degradations import differences_by_degradation, hmean_by_degradation, plot_hmean_by_degradation
from textsr.report.fidelity import fidelity_points
from textsr.report.comparisons import COMPARISON_COLUMNS
from textsr.report.figures import condition_label, read_csv
from textsr.report.hmean import comparison_intervals, hmean_panels
from textsr.report.markup import write_detection_markdown, write_latex_tables
from textsr.report.recognition import recognition_panels, write_recognition_table
from textsr.report.strata import strata_series
from textsr.report.tables import DETECTION_COLUMNS, SR_COLUMNS


def _keys(scale, degradation, condition, seed=""):
    trainset = condition.partition("@")[2]
    return {"scale": str(scale), "degradation": degradation, "condition": condition,
            "method": condition.partition("@")[0] if condition not in ("hr", "lr") else "", "trainset": trainset,
            "train_degradation": degradation if trainset else "", "seed": seed}


def _det(scale, degradation, condition, h):
    return {"dataset": "synth", "protocol": "icdar2015", "detector": "craft", **_keys(scale, degradation, condition),
            "precision": str(h), "recall": str(h), "hmean": str(h), "n_images": "2", "n_gt": "10", "n_det": "9"}


DET = [_det(1, "none", "hr", 0.99), _det(4, "bi", "bicubic", 0.40), _det(4, "bi", "rcan@s", 0.60),
       _det(4, "bd", "bicubic", 0.50), _det(4, "bd", "rcan@s", 0.30)]
#: PSNR (dB): bi bicubic 25, rcan 27; bd bicubic 24, rcan 23
SR = [{"dataset": "synth", **_keys(4, g, c), "psnr_y": str(p), "ssim_y": "0.7", "n_images": "2"}
      for g, c, p in (("bi", "bicubic", 25), ("bi", "rcan@s", 27), ("bd", "bicubic", 24), ("bd", "rcan@s", 23))]


def _write(path, columns, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_markdown_has_a_section_per_degradation_with_hr_and_its_own_best(tmp_path):
    det = _write(tmp_path / "d.csv", DETECTION_COLUMNS, DET)
    write_detection_markdown(det, tmp_path / "d.md")
    md = (tmp_path / "d.md").read_text()
    bi, bd = md.split("## synth, bi (icdar2015)")[1].split("## synth, bd (icdar2015)")
    for section in (bi, bd):
        assert "| ×1 | `hr` (upper bound) | 99.0 | 99.0 | 99.0 | 2 | 10 | 9 |" in section
    assert "| ×4 | `rcan@s` | **60.0** | **60.0** | **60.0** | 2 | 10 | 9 |" in bi
    assert "| ×4 | `bicubic` | **50.0** | **50.0** | **50.0** | 2 | 10 | 9 |" in bd
    assert "| ×4 | `rcan@s` | 30.0 | 30.0 | 30.0 | 2 | 10 | 9 |" in bd


def test_one_degradation_names_sections_as_before(tmp_path):
    det = _write(tmp_path / "d.csv", DETECTION_COLUMNS, DET[:3])
    write_detection_markdown(det, tmp_path / "d.md")
    md = (tmp_path / "d.md").read_text()
    assert "## synth (icdar2015)" in md and md.count("`hr` (upper bound)") == 1


def test_latex_has_a_column_group_per_degradation(tmp_path):
    det = _write(tmp_path / "d.csv", DETECTION_COLUMNS, DET)
    sr = _write(tmp_path / "s.csv", SR_COLUMNS, SR)
    write_latex_tables(det, sr, tmp_path / "t.tex")
    tex = (tmp_path / "t.tex").read_text()
    assert r"\multicolumn{3}{c}{synth, bi} & \multicolumn{3}{c}{synth, bd}" in tex
    assert r"$\times$4 & Bicubic & 40.0 & 40.0 & 40.0 & \textbf{50.0} & \textbf{50.0} & \textbf{50.0} \\" in tex
    assert r" & RCAN & \textbf{27.00} & \textbf{0.7000} & 23.00 & \textbf{0.7000} \\" in tex  # SSIM ties: bold
    assert r"$\times$1 & HR (upper bound) & 99.0 & 99.0 & 99.0 & 99.0 & 99.0 & 99.0 \\" in tex


def test_hmean_panels_and_intervals_are_per_degradation():
    datasets, scales, _, values = hmean_panels(DET)
    assert (datasets, scales) == (["synth, bi", "synth, bd"], [4])
    assert values[("synth, bd", 4, "bicubic")] == pytest.approx((50.0, 50.0, 50.0))
    assert values[("synth, bi", 4, "hr")] == values[("synth, bd", 4, "hr")] == pytest.approx((99.0, 99.0, 99.0))
    # rcan@s - bicubic: bi [+10, +30] from bicubic's 40; bd [-30, -10] from bicubic's 50 (one row each: merged, the
    # two rows of one key would be refused for want of a seed 'mean' row)
    rows = [{"dataset": "synth", "detector": "craft", "scale": "4", "degradation": g, "condition_a": "rcan@s",
             "condition_b": "bicubic", "seed": "", "hmean_b": b, "ci_low": lo, "ci_high": hi}
            for g, b, lo, hi in (("bi", "0.4", "0.1", "0.3"), ("bd", "0.5", "-0.3", "-0.1"))]
    intervals = comparison_intervals(rows)
    assert intervals[("synth, bi", 4, "rcan@s")] == pytest.approx((40.0, 50.0, 70.0))
    assert intervals[("synth, bd", 4, "rcan@s")] == pytest.approx((50.0, 20.0, 40.0))


def test_strata_panels_are_per_degradation():
    rows = [{**r, "bin": "8-12", "n_gt": "10", "n_matched": "0", "recall": r["recall"]} for r in DET]
    panels, scales, _, bins, series, counts = strata_series(rows)
    assert (panels, scales, bins) == ([("synth, bi", "craft"), ("synth, bd", "craft")], [4], ["8-12"])
    assert series[(("synth, bd", "craft"), 4, "bicubic")] == [pytest.approx((50.0, 50.0, 50.0))]
    assert series[(("synth, bi", "craft"), 4, "bicubic")] == [pytest.approx((40.0, 40.0, 40.0))]
    assert series[(("synth, bd", "craft"), 4, "hr")] == [pytest.approx((99.0, 99.0, 99.0))]


def test_fidelity_points_join_within_a_degradation():
    points = fidelity_points(DET, SR)
    assert [(p["dataset"], p["condition"], p["psnr"], round(p["hmean"], 1)) for p in points] == [
        ("synth, bi", "bicubic", 25.0, 40.0), ("synth, bi", "rcan@s", 27.0, 60.0),
        ("synth, bd", "bicubic", 24.0, 50.0), ("synth, bd", "rcan@s", 23.0, 30.0)]


def _rec(dataset, scale, degradation, condition, accuracy):
    return {"dataset": dataset, "detector": "craft" if dataset == "synth" else "",
            **_keys(scale, degradation, condition), "recognizer": "ppocrv6_small", "n_words": "10",
            "accuracy": accuracy, "char_accuracy": "0.5", "e2e_hmean": ""}


def test_recognition_panels_are_per_degradation_and_a_single_one_keeps_its_name():
    rec = [_rec("synth", 1, "none", "hr", "0.9"), _rec("synth", 4, "bi", "bicubic", "0.2"),
           _rec("synth", 4, "bd", "bicubic", "0.1"), _rec("tz_easy", 2, "real", "bicubic", "0.4")]
    panels, _, _, values = recognition_panels(rec, DET)
    assert panels == [("synth, bi", 4), ("synth, bd", 4), ("tz_easy", 2)]
    acc = values["accuracy"]["ppocrv6_small"]
    assert (acc[("synth, bi", 4, "bicubic")], acc[("synth, bd", 4, "bicubic")]) == ([20.0], [10.0])
    assert acc[("synth, bd", 4, "hr")] == [90.0]
    assert values["hmean"][("synth, bd", 4, "bicubic")] == [50.0]


def test_recognition_averages_are_per_degradation(tmp_path):
    # a1 + a2 on bi: (3 + 1) / 8 = 0.5; on bd: (1 + 1) / 8 = 0.25 (merged: one row, the bd rows overwriting bi's)
    files, keys = [], []
    for dataset, degradation, correct in (("a1", "bi", 3), ("a2", "bi", 1), ("a1", "bd", 1), ("a2", "bd", 1)):
        path = tmp_path / f"{dataset}_{degradation}.json"
        path.write_text(json.dumps({"recognizer": "english_g2", "n_words": 4, "n_correct": correct,
                                    "accuracy": correct / 4, "char_accuracy": 0.5}))
        files.append(path)
        keys.append({"dataset": dataset, "detector": "", **_keys(2, degradation, "bicubic")})
    rows = write_recognition_table(files, keys, tmp_path / "r.csv", averages={"a": ["a1", "a2"]})
    assert [(r["dataset"], r["degradation"], r["n_words"], r["accuracy"]) for r in rows[4:]] == [
        ("a", "bi", 8, "0.5000"), ("a", "bd", 8, "0.2500")]
    assert read_csv(tmp_path / "r.csv")[4]["degradation"] == "bi"


def _seeded(degradation, condition, seed, h):
    return {**_det(4, degradation, condition, h), "seed": str(seed)}


def test_hmean_by_degradation_keeps_seeds_per_degradation_and_hr_as_the_bound():
    rows = DET + [_seeded("bd", "rcan_dat@s", 1, 0.35), _seeded("bd", "rcan_dat@s", 2, 0.45)]
    panels, conditions, runs, upper = hmean_by_degradation(rows)
    assert panels == {("synth", "craft", 4): ["bi", "bd"]}
    assert conditions == ["bicubic", "rcan@s", "rcan_dat@s"]
    panel = ("synth", "craft", 4)
    assert runs[(panel, "bd", "rcan_dat@s")] == pytest.approx([35.0, 45.0])
    assert runs[(panel, "bi", "rcan@s")] == pytest.approx([60.0]) and (panel, "bi", "rcan_dat@s") not in runs
    assert upper == {panel: pytest.approx(99.0)}


def _cmp(degradation, a, b, diff, lo, hi, verdict):
    return {"dataset": "synth", "protocol": "icdar2015", "detector": "craft", "scale": "4", "degradation": degradation,
            "role": "sanity", "condition_a": a, "condition_b": b, "diff": diff, "ci_low": lo, "ci_high": hi,
            "verdict": verdict}


CMP = [_cmp("bi", "hr", "bicubic", "0.59", "0.5", "0.6", "a > b"),
       _cmp("bi", "rcan@s", "bicubic", "0.2", "0.1", "0.3", "a > b"),
       _cmp("bd", "rcan@s", "bicubic", "-0.2", "-0.3", "-0.1", "a < b"),
       _cmp("bd", "rcan@s~bi", "rcan@s", "0.01", "-0.02", "0.015", "equivalent within ±0.03")]


def test_differences_are_percentage_points_per_degradation_without_the_bounds():
    diffs = differences_by_degradation(CMP)[("synth", "craft", 4)]
    assert [(d["degradation"], d["a"], d["b"]) for d in diffs] == [
        ("bi", "rcan@s", "bicubic"), ("bd", "rcan@s", "bicubic"), ("bd", "rcan@s~bi", "rcan@s")]
    assert (diffs[1]["diff"], diffs[1]["low"], diffs[1]["high"]) == pytest.approx((-20.0, -30.0, -10.0))
    assert [d["different"] for d in diffs] == [True, True, False]


def test_cross_cell_labels_name_the_training_degradation():
    assert condition_label("rcan@synth~bi", trainset=False) == "RCAN (bi-trained)"
    assert condition_label("rcan@synth~bi") == "RCAN@synth (bi-trained)"


def test_degradation_figure_is_written_and_deterministic(tmp_path):
    det = _write(tmp_path / "d.csv", DETECTION_COLUMNS, DET + [_seeded("bd", "rcan@s~bi", 1, 0.45)])
    cmp = _write(tmp_path / "c.csv", COMPARISON_COLUMNS, CMP)
    outs = []
    for k in (1, 2):
        plot_hmean_by_degradation(det, cmp, tmp_path / f"f{k}.pdf", tmp_path / f"f{k}.png", margin=0.03)
        outs.append(((tmp_path / f"f{k}.pdf").read_bytes(), (tmp_path / f"f{k}.png").read_bytes()))
    assert outs[0] == outs[1] and outs[0][1][:8] == b"\x89PNG\r\n\x1a\n"
