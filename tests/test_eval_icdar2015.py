"""icdar2015: RRC Challenge 4 IoU rules (evaluation.md section 1), expected numbers computed by hand."""

from __future__ import annotations

import json

import pytest
from conftest import needs_samples

from textsr.data.gt import AnnotationError
from textsr.evaluation import evaluate


def box(x0, y0, x1, y1) -> str:
    """Clockwise quad TL, TR, BR, BL of an axis-aligned box, as the IC15 line prefix."""
    return f"{x0},{y0},{x1},{y0},{x1},{y1},{x0},{y1}"


def write_case(root, gt: dict[str, str], det: dict[str, str]):
    (root / "gt").mkdir()
    (root / "det").mkdir()
    for stem, text in gt.items():
        (root / "gt" / f"gt_{stem}.txt").write_text(text, encoding="utf-8", newline="")
    for stem, text in det.items():
        (root / "det" / f"res_{stem}.txt").write_text(text, encoding="utf-8", newline="")
    return root / "gt", root / "det"


def run(tmp_path, gt, det, **options):
    return evaluate("icdar2015", *write_case(tmp_path, gt, det), **options)


def test_iou_exactly_half_is_not_a_match(tmp_path):
    # GT 10x10 (area 100); det 10x5 inside it: I = 50, U = 100 + 50 - 50 = 100, IoU = 0.5, rule is IoU > 0.5
    r = run(tmp_path, {"img_1": box(0, 0, 10, 10) + ",A\n"}, {"img_1": box(0, 0, 10, 5) + "\n"})
    assert (r["n_matched"], r["n_gt"], r["n_det"]) == (0, 1, 1)
    assert r["precision"] == r["recall"] == r["hmean"] == 0.0


def test_iou_just_above_half_is_a_match(tmp_path):
    # GT 100x100; det 100x51: I = 5100, U = 10000 + 5100 - 5100 = 10000, IoU = 0.51 > 0.5
    r = run(tmp_path, {"img_1": box(0, 0, 100, 100) + ",A\n"}, {"img_1": box(0, 0, 100, 51) + "\n"})
    assert r["n_matched"] == 1
    assert r["precision"] == r["recall"] == r["hmean"] == 1.0
    assert r["per_image"]["img_1"]["matches"] == [[0, 0]]


def test_dontcare_overlap_above_half_is_ignored_and_exactly_half_is_not(tmp_path):
    # care GT A = (100,0)-(110,10), ### GT = (0,0)-(10,10)
    # d0 = A exactly -> match; d1 = the ### box: I/A_det = 100/100 = 1 > 0.5 -> don't care, not counted;
    # d2 = (5,0)-(15,10): I/A_det = 50/100 = 0.5, not > 0.5 -> a care detection, unmatched (false positive).
    # P = 1/2 (d0, d2 counted), R = 1/1, H = 2 * 0.5 * 1 / 1.5 = 2/3
    gt = {"img_1": box(100, 0, 110, 10) + ",A\n" + box(0, 0, 10, 10) + ",###\n"}
    det = {"img_1": "\n".join([box(100, 0, 110, 10), box(0, 0, 10, 10), box(5, 0, 15, 10)]) + "\n"}
    r = run(tmp_path, gt, det)
    assert (r["n_gt"], r["n_det"], r["n_matched"]) == (1, 2, 1)
    assert r["precision"] == 0.5 and r["recall"] == 1.0
    assert r["hmean"] == pytest.approx(2 / 3, abs=1e-12)
    img = r["per_image"]["img_1"]
    assert img["gt_dontcare"] == [False, True]
    assert img["det_dontcare"] == [False, True, False]


def test_dontcare_gt_is_never_counted_even_when_detected(tmp_path):
    # only a ### GT, detected exactly: the detection becomes don't care; 0 care GT, 0 care det -> P = R = 0
    # (dataset level: zero denominators give 0); per image the script says R = 1 and P = 1 (no care det)
    r = run(tmp_path, {"img_1": box(0, 0, 10, 10) + ",###\n"}, {"img_1": box(0, 0, 10, 10) + "\n"})
    assert (r["n_gt"], r["n_det"], r["n_matched"]) == (0, 0, 0)
    assert r["precision"] == r["recall"] == 0.0
    assert r["per_image"]["img_1"]["recall"] == 1.0 and r["per_image"]["img_1"]["precision"] == 1.0


def test_greedy_order_is_gt_then_detection_in_file_order(tmp_path):
    # g0 = (0,0)-(10,10), g1 = (4,0)-(14,10); d0 = (2,0)-(12,10), d1 = (0,0)-(10,10)
    # g0 takes d0 first (IoU = 80 / 120 = 0.667 > 0.5) although d1 is exact;
    # g1 vs d1: I = 6 * 10 = 60, U = 140, IoU = 0.43 -> no match. 1 of 2 matched: P = R = H = 0.5
    # (an optimal assignment g0-d1, g1-d0 would give 1.0)
    gt = {"img_1": box(0, 0, 10, 10) + ",a\n" + box(4, 0, 14, 10) + ",b\n"}
    det = {"img_1": box(2, 0, 12, 10) + "\n" + box(0, 0, 10, 10) + "\n"}
    r = run(tmp_path, gt, det)
    assert r["per_image"]["img_1"]["matches"] == [[0, 0]]
    assert r["precision"] == r["recall"] == r["hmean"] == 0.5


def test_empty_files_and_missing_detection_file(tmp_path):
    # img_1: GT 1 box, no detection file -> missed; img_2: empty GT, empty detection file;
    # img_3: empty GT, one detection -> false positive; img_4: GT 1 box detected exactly.
    # care GT = 2, care det = 2, matched = 1: P = R = H = 0.5
    gt = {"img_1": box(0, 0, 10, 10) + ",a\n", "img_2": "", "img_3": "", "img_4": box(0, 0, 10, 10) + ",b\n"}
    det = {"img_2": "", "img_3": box(0, 0, 10, 10) + "\n", "img_4": box(0, 0, 10, 10) + "\n"}
    r = run(tmp_path, gt, det)
    assert (r["n_images"], r["n_gt"], r["n_det"], r["n_matched"]) == (4, 2, 2, 1)
    assert r["precision"] == r["recall"] == 0.5
    assert r["missing_detection_files"] == ["img_1"]
    # per image (the script's rule): no care GT -> R = 1, P = 0 with a care detection
    assert (r["per_image"]["img_3"]["recall"], r["per_image"]["img_3"]["precision"]) == (1.0, 0.0)


def test_bom_crlf_quoted_transcription_with_commas(tmp_path):
    # GT with BOM and CRLF; '"a,b"' is a care transcription, '"###"' loses its quotes and is don't care.
    gt = {"img_1": "\ufeff" + box(0, 0, 10, 10) + ',"a,b"\r\n' + box(20, 0, 30, 10) + ',"###"\r\n'}
    det = {"img_1": "\ufeff" + box(0, 0, 10, 10) + "\r\n"}
    r = run(tmp_path, gt, det)
    assert r["per_image"]["img_1"]["gt_dontcare"] == [False, True]
    assert r["precision"] == r["recall"] == 1.0


def test_self_intersecting_detection_scored_as_polygon3_does(tmp_path):
    # GT square (0,0)-(20,20), area 400. Det bow-tie (0,0),(20,20),(20,0),(0,20): it passes the RRC clockwise
    # test (edge sum 400 + 0 - 400 + 0 = 0 <= 0). Polygon3 area = |shoelace| = 0 (the lobes cancel), while the
    # intersection fills both triangles (0,0),(10,10),(0,20) and (20,0),(10,10),(20,20): I = 100 + 100 = 200.
    # IoU = 200 / (0 + 400 - 200) = 1.0 > 0.5 -> matched (shapely's buffer(0) would keep one lobe and not match)
    r = run(tmp_path, {"img_1": box(0, 0, 20, 20) + ",x\n"}, {"img_1": "0,0,20,20,20,0,0,20\n"})
    assert r["n_matched"] == 1 and r["hmean"] == 1.0


def test_counterclockwise_detection_is_an_error_naming_file_and_line(tmp_path):
    # TL, BL, BR, TR is counter-clockwise on screen: edge sum = 2 * 10 * 10 = 200 > 0; RRC rejects it
    ccw = "0,0,0,10,10,10,10,0"
    gt_dir, det_dir = write_case(tmp_path, {"img_1": box(0, 0, 10, 10) + ",x\n"}, {"img_1": box(0, 0, 10, 10) + "\n" + ccw + "\n"})
    with pytest.raises(AnnotationError, match=r"res_img_1\.txt:2: points are not clockwise"):
        evaluate("icdar2015", gt_dir, det_dir)
    # opting out scores it like its clockwise twin: 1 match of 2 care detections
    r = evaluate("icdar2015", gt_dir, det_dir, check_orientation=False)
    assert (r["n_matched"], r["n_det"]) == (1, 2)


@pytest.mark.parametrize(
    "line, reason",
    [
        ("0,0,10,0,10,10,0,10.5", "is not an integer"),  # floats: the RRC regex rejects them
        ("0,0,10,0,10,10", "expected 4 points"),
        ("0,0,10,0,10,10,0,10,20,20", "expected 4 points"),
    ],
)
def test_malformed_detection_line_names_file_and_line(tmp_path, line, reason):
    gt_dir, det_dir = write_case(tmp_path, {"img_1": box(0, 0, 10, 10) + ",x\n"}, {"img_1": "\n" + box(0, 0, 10, 10) + "\n" + line + "\n"})
    with pytest.raises(AnnotationError, match=r"res_img_1\.txt:3: .*" + reason):
        evaluate("icdar2015", gt_dir, det_dir)


def test_malformed_gt_line_names_file_and_line(tmp_path):
    gt_dir, det_dir = write_case(tmp_path, {"img_1": box(0, 0, 10, 10) + ",ok\n0,0,10,0,10,10,0\n"}, {})
    with pytest.raises(AnnotationError, match=r"gt_img_1\.txt:2: expected x1,y1"):
        evaluate("icdar2015", gt_dir, det_dir)


def test_totals_sum_over_images_before_dividing(tmp_path):
    # img_1: 1 GT matched by 1 of 3 detections; img_2: 3 GT, 1 detection matched.
    # matched 2, care GT 4, care det 4: P = 2/4, R = 2/4 (a mean of per-image values would be different)
    gt = {"img_1": box(0, 0, 10, 10) + ",a\n", "img_2": "\n".join(box(20 * i, 0, 20 * i + 10, 10) + ",w" for i in range(3)) + "\n"}
    det = {"img_1": box(0, 0, 10, 10) + "\n" + box(50, 50, 60, 60) + "\n" + box(80, 80, 90, 90) + "\n", "img_2": box(0, 0, 10, 10) + "\n"}
    r = run(tmp_path, gt, det)
    assert (r["n_gt"], r["n_det"], r["n_matched"]) == (4, 4, 2)
    assert r["precision"] == r["recall"] == 0.5
    assert json.loads(json.dumps(r)) == r


@needs_samples
def test_real_samples_perfect_detections_score_one(samples, tmp_path):
    # The 4 real IC15 GT files (BOM, commas, ###): detections = the care quads -> 8 care GT, all matched
    from textsr.data.gt import read_icdar2015_gt

    gt_dir = samples / "icdar2015" / "ch4_training_localization_transcription_gt"
    (tmp_path / "det").mkdir()
    for path in gt_dir.glob("gt_*.txt"):
        lines = [",".join(str(int(v)) for v in r.points.ravel()) for r in read_icdar2015_gt(path) if not r.dontcare]
        (tmp_path / "det" / ("res_" + path.name[3:])).write_text("\n".join(lines))
    r = evaluate("icdar2015", gt_dir, tmp_path / "det")
    # care GT: img_1 4 (7 - 3 ###), img_2 2, img_3 2 (8 - 6 ###), img_4 0 (all ###) = 8
    assert (r["n_images"], r["n_gt"], r["n_det"], r["n_matched"]) == (4, 8, 8, 8)
    assert r["hmean"] == 1.0
