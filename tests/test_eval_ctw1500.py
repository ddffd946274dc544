"""ctw1500: the official SCUT-CTW1500 voc_eval_polygon rules (evaluation.md section 4), numbers by hand."""

from __future__ import annotations

import pytest

from textsr.evaluation import evaluate

# 14 points around a 100 x 100 square, relative to its top-left corner (clockwise): area 10000
RING = [(0, 0), (25, 0), (50, 0), (75, 0), (100, 0), (100, 50), (100, 100), (75, 100), (50, 100), (25, 100), (0, 100), (0, 75), (0, 50), (0, 25)]


def original(x0, y0) -> str:
    """Original 32-number line: xmin, ymin, xmax, ymax, then 14 (dx, dy) offsets from (xmin, ymin)."""
    return ",".join(str(v) for v in [x0, y0, x0 + 100, y0 + 100] + [c for p in RING for c in p])


def updated(x0, y0, text) -> str:
    """2020 line: 14 absolute points then ####text."""
    return ",".join(f"{x0 + dx},{y0 + dy}" for dx, dy in RING) + ",####" + text


def box(x0, y0, x1, y1) -> str:
    return f"{x0},{y0},{x1},{y0},{x1},{y1},{x0},{y1}"


def write_case(root, gt: dict[str, list[str]], det: dict[str, list[str]], gt_name="{}.txt"):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    for stem, lines in gt.items():
        (root / "gt" / gt_name.format(stem)).write_text("".join(l + "\n" for l in lines))
    for stem, lines in det.items():
        (root / "det" / f"res_{stem}.txt").write_text("".join(l + "\n" for l in lines))
    return root / "gt", root / "det"


def run(root, gt, det, **kw):
    return evaluate("ctw1500", *write_case(root, {"1001": gt}, {"1001": det}, **kw))


@pytest.mark.parametrize(
    "det, matched",
    [
        (box(0, 0, 100, 50), False),  # I = 5000, U = 10000 + 5000 - 5000 = 10000: IoU 0.5, rule is > 0.5
        (box(0, 0, 100, 51), True),  # IoU 5100 / 10000 = 0.51
        ("0,0,100,0,100,51.5,0,51.5", True),  # floats are allowed: IoU 0.515
    ],
)
def test_iou_threshold_both_sides(tmp_path, det, matched):
    r = run(tmp_path, [original(0, 0)], [det])
    assert (r["recall"], r["precision"]) == ((1.0, 1.0) if matched else (0.0, 0.0))


def test_argmax_gt_only_and_duplicates_are_false_positives(tmp_path):
    # g0 at (0,0), g1 at (60,0). d0 = g0 -> TP. d1 (28,0)-(128,100): IoU g0 = 7200/12800 = 0.5625,
    # g1 = 6800/13200 = 0.515 -> arg-max g0, already matched -> FP (no fall-back). d2 = g0 again -> FP.
    # TP 1, FP 2, GT 2: R = 1/2, P = 1/3, H = 2 * (1/2)(1/3) / (5/6) = 0.4
    r = run(tmp_path, [original(0, 0), original(60, 0)], [box(0, 0, 100, 100), box(28, 0, 128, 100), box(0, 0, 100, 100)])
    assert r["recall"] == 0.5 and r["precision"] == pytest.approx(1 / 3)
    assert r["hmean"] == pytest.approx(0.4)
    assert r["per_image"]["1001"]["matches"] == [[0, 0]]


def test_self_intersecting_detection_is_skipped(tmp_path):
    # exact det -> TP; bow-tie (0,0),(100,100),(100,0),(0,100) is invalid -> neither TP nor FP: P = 1/1
    r = run(tmp_path, [original(0, 0)], [box(0, 0, 100, 100), "0,0,100,100,100,0,0,100"])
    assert (r["n_det"], r["precision"], r["recall"]) == (1, 1.0, 1.0)
    assert r["per_image"]["1001"]["det_dontcare"] == [False, True]


def test_detection_on_image_without_gt_is_a_false_positive(tmp_path):
    # 1001: GT detected exactly; 1002: empty GT file, one detection (the script crashes with KeyError).
    # TP 1, FP 1, GT 1: P = 1/2, R = 1
    gt_dir, det_dir = write_case(tmp_path, {"1001": [original(0, 0)], "1002": []}, {"1001": [box(0, 0, 100, 100)], "1002": [box(0, 0, 10, 10)]})
    r = evaluate("ctw1500", gt_dir, det_dir)
    assert (r["n_images"], r["precision"], r["recall"]) == (2, 0.5, 1.0)


def test_updated_format_dontcare_vs_original_format(tmp_path):
    # updated (2020) GT: a care word at (0,0) and a ### region at (200,0), each detected exactly.
    # the ### GT is VOC-'difficult': not counted, and the detection on it is ignored: R = 1/1, P = 1/1
    dets = [box(0, 0, 100, 100), box(200, 0, 300, 100)]
    r = evaluate("ctw1500", *write_case(tmp_path / "u", {"1001": [updated(0, 0, "WORD"), updated(200, 0, "###")]}, {"1001": dets}, gt_name="000{}.txt"))
    assert (r["n_gt"], r["n_det"], r["recall"], r["precision"]) == (1, 1, 1.0, 1.0)
    assert r["per_image"]["1001"]["det_dontcare"] == [False, True]
    # a missed ### region costs nothing either: R = 1/1, P = 1/1
    r = evaluate("ctw1500", *write_case(tmp_path / "m", {"1001": [updated(0, 0, "WORD"), updated(200, 0, "###")]}, {"1001": dets[:1]}))
    assert (r["n_gt"], r["recall"]) == (1, 1.0)
    # the original format has no don't care: both GT count, both detections are TP
    r = evaluate("ctw1500", *write_case(tmp_path / "o", {"1001": [original(0, 0), original(200, 0)]}, {"1001": dets}))
    assert (r["n_gt"], r["n_det"], r["recall"]) == (2, 2, 1.0)


def test_original_offsets_are_relative_to_xmin_ymin(tmp_path):
    # the GT at (500, 300): absolute vertices = (500 + dx, 300 + dy)
    r = run(tmp_path, [original(500, 300)], [box(500, 300, 600, 400)])
    assert r["per_image"]["1001"]["gt"][0][:2] == [[500, 300], [525, 300]]
    assert r["hmean"] == 1.0
