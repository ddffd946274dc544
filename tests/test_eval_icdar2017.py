"""icdar2017 (MLT): IC15 IoU logic with confidences and the script field (evaluation.md section 6)."""

from __future__ import annotations

import pytest

from textsr.data.gt import AnnotationError
from textsr.evaluation import evaluate


def box(x0, y0, x1, y1) -> str:
    return f"{x0},{y0},{x1},{y0},{x1},{y1},{x0},{y1}"


def write_case(root, gt: list[str], det: list[str]):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    (root / "gt" / "gt_img_1.txt").write_text("\ufeff" + "".join(l + "\n" for l in gt), encoding="utf-8")
    (root / "det" / "res_img_1.txt").write_text("".join(l + "\n" for l in det))
    return root / "gt", root / "det"


GT2 = [box(0, 0, 10, 10) + ",Latin,a", box(4, 0, 14, 10) + ",Latin,b"]


def test_detections_are_matched_in_descending_confidence(tmp_path):
    # the icdar2015 greedy case: d0 (2,0)-(12,10) conf 0.5, d1 (0,0)-(10,10) conf 0.9.
    # sorted: d1, d0. g0 takes d1 (IoU 1), g1 takes d0 (I = 80, U = 120, IoU 0.667): R = P = 1
    # (in file order g0 would take d0 and g1 nothing: 0.5)
    r = evaluate("icdar2017", *write_case(tmp_path, GT2, [box(2, 0, 12, 10) + ",0.5", box(0, 0, 10, 10) + ",0.9"]))
    assert r["hmean"] == 1.0
    assert sorted(r["per_image"]["img_1"]["matches"]) == [[0, 1], [1, 0]]  # detection indices in file order


def test_equal_confidences_keep_file_order(tmp_path):
    # a stable sort: with ties the greedy file order result of icdar2015 (0.5) is kept
    r = evaluate("icdar2017", *write_case(tmp_path, GT2, [box(2, 0, 12, 10) + ",0.7", box(0, 0, 10, 10) + ",0.7"]))
    assert r["hmean"] == 0.5


def test_lines_without_confidence_are_file_order(tmp_path):
    r = evaluate("icdar2017", *write_case(tmp_path, GT2, [box(2, 0, 12, 10), box(0, 0, 10, 10)]))
    assert r["hmean"] == 0.5


def test_mixed_confidence_presence_is_an_error(tmp_path):
    with pytest.raises(AnnotationError, match=r"res_img_1\.txt:2: confidence missing"):
        evaluate("icdar2017", *write_case(tmp_path, GT2, [box(2, 0, 12, 10) + ",0.7", box(0, 0, 10, 10)]))


def test_script_filter_turns_other_scripts_into_dontcare(tmp_path):
    # g0 Latin detected, g1 Arabic missed: R = 1/2. With script="Latin", g1 is don't care: R = 1/1
    gt = [box(0, 0, 10, 10) + ",Latin,word", box(100, 0, 110, 10) + ",Arabic,كلمة"]
    gt_dir, det_dir = write_case(tmp_path, gt, [box(0, 0, 10, 10) + ",0.9"])
    assert evaluate("icdar2017", gt_dir, det_dir)["recall"] == 0.5
    r = evaluate("icdar2017", gt_dir, det_dir, script="Latin")
    assert (r["recall"], r["n_gt"]) == (1.0, 1)


def test_mlt_gt_dontcare_and_transcription_with_commas(tmp_path):
    gt = [box(0, 0, 10, 10) + ",Latin,a,b,c", box(100, 0, 110, 10) + ",None,###"]
    r = evaluate("icdar2017", *write_case(tmp_path, gt, [box(0, 0, 10, 10) + ",1", box(100, 0, 110, 10) + ",0.3"]))
    assert r["per_image"]["img_1"]["gt_dontcare"] == [False, True]
    assert (r["n_gt"], r["n_det"], r["hmean"]) == (1, 1, 1.0)
