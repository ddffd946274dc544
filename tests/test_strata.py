"""Recall by ground-truth text height (textsr.evaluation.strata); numbers by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from textsr.evaluation import evaluate
from textsr.evaluation.strata import bin_labels, gt_heights, polygon_height, recall_by_height


def write_case(root, gt_name: str, gt_lines: list[str], det_lines: list[str], stem: str):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    (root / "gt" / gt_name).write_text("".join(l + "\n" for l in gt_lines))
    (root / "det" / f"res_{stem}.txt").write_text("".join(l + "\n" for l in det_lines))
    return root / "gt", root / "det"


def quad(x, y, w, h):
    return f"{x},{y},{x + w},{y},{x + w},{y + h},{x},{y + h}"


def test_bin_labels_are_left_closed_ranges():
    assert bin_labels() == ["<8", "8-12", "12-16", "16-24", "24-32", ">=32"]
    assert bin_labels((10, 20)) == ["<10", "10-20", ">=20"]


def test_height_is_the_short_side_of_the_minimum_area_rectangle():
    assert polygon_height([[0, 0], [100, 0], [100, 8], [0, 8]]) == 8.0
    # a 40 x 10 rectangle turned by 30 degrees about the origin: still 10 high (float32 corners: 1e-4)
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    pts = [[x * c - y * s, x * s + y * c] for x, y in ((0, 0), (40, 0), (40, 10), (0, 10))]
    assert polygon_height(pts) == pytest.approx(10.0, abs=1e-4)
    assert polygon_height([[3, 4]]) == 0.0


def test_icdar2015_recall_per_height_bin(tmp_path):
    # care GT heights 6, 8, 12, 20, 31, 40 (all 150 wide) and a don't-care GT 10 high; the detections are exact
    # copies of the 8, 20 and 40 high GT. Bins (left-closed): 6 -> <8, 8 -> 8-12, 12 -> 12-16, 20 -> 16-24,
    # 31 -> 24-32, 40 -> >=32. Matched: 8-12, 16-24, >=32 -> recall 1 there, 0 in <8, 12-16, 24-32.
    heights = [6, 8, 12, 20, 31, 40]
    gt = [quad(10, 10 + 60 * k, 150, h) + ",word" for k, h in enumerate(heights)] + [quad(300, 10, 150, 10) + ",###"]
    det = [quad(10, 10 + 60 * k, 150, h) for k, h in enumerate(heights) if h in (8, 20, 40)]
    r = evaluate("icdar2015", *write_case(tmp_path, "gt_img_1.txt", gt, det, "img_1"))
    h = gt_heights(r["per_image"])["img_1"]
    assert h[:6].tolist() == heights and math.isnan(h[6])  # the don't-care GT has no height
    rows = recall_by_height(r["per_image"], "icdar2015")
    assert [(b["bin"], b["n_gt"], b["n_matched"], b["recall"]) for b in rows] == [
        ("<8", 1, 0, 0.0), ("8-12", 1, 1, 1.0), ("12-16", 1, 0, 0.0), ("16-24", 1, 1, 1.0),
        ("24-32", 1, 0, 0.0), (">=32", 1, 1, 1.0)]
    # custom bins; a bin without GT has recall None: edges (10, 100): 6, 8 -> <10 (0 of 2); the rest -> 10-100
    rows = recall_by_height(r["per_image"], "icdar2015", bins=(10, 100))
    assert [(b["n_gt"], b["n_matched"], b["recall"]) for b in rows] == [(2, 1, 0.5), (4, 2, 0.5), (0, 0, None)]


def test_icdar2013_deteval_split_gt_counts_its_credit(tmp_path):
    # GT A (0,0)-(199,19): the rectangle of its corners is 199 x 19 -> height 19 -> 16-24 (DetEval's
    # pixel-inclusive area would say 20 rows; the height is geometric);
    # detected by two halves (0..99 and 100..199): recall 0.5 + 0.5 = 1 >= 0.8 over 2 detections -> one-to-many,
    # credit 0.8. GT B (0,100)-(199,129): height 29 -> 24-32, found one-to-one, credit 1.
    # Bins: 16-24: n_gt 1, n_matched 1, recall 0.8; 24-32: 1, 1, 1.0. Summed: (0.8 + 1) / 2 = the result's 0.9.
    gt = ['0, 0, 199, 19, "A"', '0, 100, 199, 129, "B"']
    det = ["0,0,99,19", "100,0,199,19", "0,100,199,129"]
    r = evaluate("icdar2013", *write_case(tmp_path, "gt_img_1.txt", gt, det, "img_1"))
    assert r["per_image"]["img_1"]["gt_recall_credit"] == [0.8, 1.0]
    rows = {b["bin"]: b for b in recall_by_height(r["per_image"], "icdar2013")}
    assert (rows["16-24"]["n_gt"], rows["16-24"]["n_matched"], rows["16-24"]["recall"]) == (1, 1, 0.8)
    assert (rows["24-32"]["n_gt"], rows["24-32"]["n_matched"], rows["24-32"]["recall"]) == (1, 1, 1.0)
    assert r["recall"] == pytest.approx((0.8 + 1.0) / 2)


def test_totaltext_merged_gt_each_get_fsc_k(tmp_path):
    # Two 100 x 20 GT side by side, one 210 x 20 detection over both: sigma = 1 each, tau = 2000/4200 = 0.48;
    # many-to-one (2 GT with tau > 0, both sigma >= 0.6, sum tau 0.96 >= 0.6): recall credit 2 x 0.8.
    # Both 20 high -> bin 16-24: n_gt 2, n_matched 2, recall 1.6 / 2 = 0.8 (= the result's recall).
    gt = ["x: [[0 100 100 0]], y: [[0 0 20 20]], ornt: [u'h'], transcriptions: [u'A']",
          "x: [[110 210 210 110]], y: [[0 0 20 20]], ornt: [u'h'], transcriptions: [u'B']"]
    r = evaluate("totaltext", *write_case(tmp_path, "poly_gt_img1.txt", gt, ["0,0,210,0,210,20,0,20"], "img1"))
    assert r["per_image"]["img1"]["gt_recall_credit"] == [0.8, 0.8]
    rows = {b["bin"]: b for b in recall_by_height(r["per_image"], "totaltext")}
    assert (rows["16-24"]["n_gt"], rows["16-24"]["n_matched"], rows["16-24"]["recall"]) == (2, 2, pytest.approx(0.8))
    assert r["recall"] == pytest.approx(0.8)


def test_bins_sum_back_to_the_protocol_recall_on_a_realistic_case(tmp_path):
    from test_bootstrap import write_realistic_case

    for protocol, dataset in (("icdar2015", "icdar2015"), ("icdar2013", "icdar2013"), ("totaltext", "totaltext"),
                              ("ctw1500", "ctw1500")):
        gt_dir, det_dir, img_dir = write_realistic_case(tmp_path / protocol, dataset)
        r = evaluate(protocol, gt_dir, det_dir, images=img_dir)
        rows = recall_by_height(r["per_image"], protocol)
        assert sum(b["n_gt"] for b in rows) == r["n_gt"]
        credit = sum(b["recall"] * b["n_gt"] for b in rows if b["n_gt"])
        assert credit / r["n_gt"] == pytest.approx(r["recall"], abs=1e-12), protocol


def test_bad_bins_are_refused():
    with pytest.raises(ValueError, match="increasing"):
        recall_by_height({}, "icdar2015", bins=(12, 8))
    np.testing.assert_equal(recall_by_height({}, "icdar2015")[0], {"bin": "<8", "n_gt": 0, "n_matched": 0, "recall": None})
