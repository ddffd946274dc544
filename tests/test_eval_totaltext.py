"""totaltext (official DetEval) and totaltext-iou (official Pascal VOC), evaluation.md section 3.

GT are written as the official ``poly_gt_<img>.mat`` (polygt rows); detections x first. Areas are geometric
(shapely): the square (0,0)-(100,100) has area 10000.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import needs_samples
from scipy import io

from textsr.evaluation import evaluate, totaltext


def sq(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def write_mat(path, regions):
    """regions: [(points, text, orientation)] -> an official-layout poly_gt .mat file."""
    cell = np.empty((len(regions), 6), dtype=object)
    for i, (pts, text, ornt) in enumerate(regions):
        xs = np.asarray([[p[0] for p in pts]], dtype=np.int16)
        ys = np.asarray([[p[1] for p in pts]], dtype=np.int16)
        for j, value in enumerate([np.array(["x:"]), xs, np.array(["y:"]), ys, np.array([text]), np.array([ornt])]):
            cell[i, j] = value
    io.savemat(path, {"polygt": cell})


def det_line(pts):
    return ",".join(f"{x},{y}" for x, y in pts)


def write_case(root, gt: dict, det: dict):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    for stem, regions in gt.items():
        write_mat(root / "gt" / f"poly_gt_{stem}.mat", regions)
    for stem, polys in det.items():
        (root / "det" / f"res_{stem}.txt").write_text("".join(det_line(p) + "\n" for p in polys))
    return root / "gt", root / "det"


def run(root, gt_regions, dets, protocol="totaltext", **options):
    return evaluate(protocol, *write_case(root, {"img1": gt_regions}, {"img1": dets}), **options)


W = (sq(0, 0, 100, 100), "WORD", "h")


@pytest.mark.parametrize(
    "det, matched",
    [
        (sq(0, 0, 100, 70), False),  # sigma = 7000/10000 = 0.70, rule is sigma > 0.7
        (sq(0, 0, 100, 71), True),  # sigma = 0.71 > 0.7, tau = 1 > 0.6
        (sq(0, 0, 100, 166), False),  # tau = 10000/16600 = 0.6024 -> rounded 0.60, not > 0.6
        (sq(0, 0, 100, 163), True),  # tau = 10000/16300 = 0.6135 -> 0.61 > 0.6
    ],
)
def test_one_to_one_thresholds_on_both_sides(tmp_path, det, matched):
    # a single detection: one-to-many / many-to-one need >= 2 overlaps, so only one-to-one can match
    r = run(tmp_path, [W], [det])
    assert (r["recall"], r["precision"]) == ((1.0, 1.0) if matched else (0.0, 0.0))


def test_sigma_is_rounded_to_two_decimals_before_the_threshold(tmp_path):
    # GT (0,0)-(1000,100) = 100000; det (0,0)-(704,100): sigma = 0.704 > 0.7 unrounded, but round(0.704, 2) = 0.70
    r = run(tmp_path / "a", [(sq(0, 0, 1000, 100), "LONG", "h")], [sq(0, 0, 704, 100)])
    assert r["recall"] == 0.0
    # det (0,0)-(706,100): round(0.706, 2) = 0.71 > 0.7 -> match
    r = run(tmp_path / "b", [(sq(0, 0, 1000, 100), "LONG", "h")], [sq(0, 0, 706, 100)])
    assert r["recall"] == 1.0


def test_dontcare_filter_uses_iod_with_plus_one(tmp_path):
    # '#' GT (0,0)-(100,100), care GT (300,0)-(400,100).
    # d0 = the # box: 10000/(10000+1) = 0.9999 > 0.5 -> removed.
    # d1 = (49,0)-(149,100): I = 51*100 = 5100, 5100/10001 = 0.50995 > 0.5 -> removed.
    # d2 = (50,0)-(149,101): A = 99*101 = 9999, I = 50*100 = 5000: I/A = 0.50005 but I/(A+1) = 0.5, not > 0.5 -> kept
    # d3 = the care GT exactly -> one-to-one. Counted detections d2, d3: P = 1/2, R = 1/1
    gt = [(sq(0, 0, 100, 100), "#", "#"), (sq(300, 0, 400, 100), "WORD", "h")]
    r = run(tmp_path, gt, [sq(0, 0, 100, 100), sq(49, 0, 149, 100), sq(50, 0, 149, 101), sq(300, 0, 400, 100)])
    assert r["per_image"]["img1"]["det_dontcare"] == [True, True, False, False]
    assert (r["n_gt"], r["n_det"], r["precision"], r["recall"]) == (1, 2, 0.5, 1.0)
    assert r["per_image"]["img1"]["matches"] == [[1, 3]]  # indices into the file's GT rows and detection lines


def test_dontcare_is_decided_by_the_orientation_column(tmp_path):
    # transcription '#' but orientation 'h': the script tests gt[5] (orientation) only -> a care GT
    r = run(tmp_path, [(sq(0, 0, 100, 100), "#", "h")], [sq(0, 0, 100, 100)])
    assert (r["n_gt"], r["recall"]) == (1, 1.0)


def test_split_one_to_many(tmp_path):
    # GT (0,0)-(200,100) = 20000; two halves: sigma 0.5 each, tau 1 each. No one-to-one (sigma <= 0.7);
    # one-to-many: 2 overlaps, candidates tau >= 0.6: both, sum sigma = 1.0 >= 0.7 -> recall 0.8,
    # precision 0.8 * 2 = 1.6: R = 0.8, P = 1.6 / 2 = 0.8
    r = run(tmp_path, [(sq(0, 0, 200, 100), "LONG", "h")], [sq(0, 0, 100, 100), sq(100, 0, 200, 100)])
    assert (r["recall"], r["precision"]) == pytest.approx((0.8, 0.8))
    assert r["per_image"]["img1"]["match_groups"] == [{"gt": [0], "det": [0, 1], "type": "OM"}]


def test_duplicates_and_fp_are_credited_one_to_many(tmp_path):
    # two identical exact detections + one false positive: sigma > 0.7 twice -> no one-to-one;
    # one-to-many: recall 0.8, precision 1.6; R = 0.8, P = 1.6 / 3 = 0.5333 (evaluation.md duplicates_and_fp)
    r = run(tmp_path, [W], [sq(0, 0, 100, 100), sq(0, 0, 100, 100), sq(500, 500, 600, 600)])
    assert r["recall"] == pytest.approx(0.8)
    assert r["precision"] == pytest.approx(1.6 / 3)


def test_single_one_to_many_candidate_becomes_one_to_one(tmp_path):
    # d0 (0,0)-(100,70): sigma 0.70 (not > 0.7), tau 1; d1 (0,90)-(100,200): I = 1000, sigma 0.1,
    # tau = 1000/11000 = 0.09. One-to-one fails; one-to-many: 2 overlaps, one candidate with tau >= 0.6 (d0),
    # tau 1 >= 0.6 and sigma 0.70 >= 0.7 -> 1/1. R = 1, P = 1/2
    r = run(tmp_path, [W], [sq(0, 0, 100, 70), sq(0, 90, 100, 200)])
    assert (r["recall"], r["precision"]) == (1.0, 0.5)


def test_merge_many_to_one(tmp_path):
    # g0 (0,0)-(100,100), g1 (100,0)-(200,100); det (0,0)-(200,100): sigma 1, tau 0.5 each.
    # many-to-one: 2 GT with tau > 0, candidates sigma >= 0.6: both, sum tau 1.0 >= 0.6 -> recall 0.8 * 2,
    # precision 0.8: R = 1.6/2 = 0.8, P = 0.8/1 = 0.8
    r = run(tmp_path, [W, (sq(100, 0, 200, 100), "B", "h")], [sq(0, 0, 200, 100)])
    assert (r["recall"], r["precision"]) == pytest.approx((0.8, 0.8))


def test_many_to_one_candidates_use_tp_on_sigma(tmp_path):
    # det (35,0)-(165,100) = 13000 over g0, g1: I = 6500 each: sigma 0.65 (>= tp 0.6 but < tr 0.7), tau 0.5.
    # candidates are GT with sigma >= 0.6 (the script uses tp): both; sum tau = 1.0 >= 0.6 -> R = 0.8, P = 0.8
    r = run(tmp_path, [W, (sq(100, 0, 200, 100), "B", "h")], [sq(35, 0, 165, 100)])
    assert (r["recall"], r["precision"]) == pytest.approx((0.8, 0.8))


def test_one_to_one_sigma_and_tau_candidates_may_differ(tmp_path):
    # dA (0,0)-(100,200): sigma 1 (> 0.7), tau 0.5; dB (0,0)-(50,50): sigma 0.25, tau 1 (> 0.6).
    # Exactly one sigma candidate (dA) and one tau candidate (dB), each unique in its column: the script
    # credits 1/1 and marks the sigma candidate dA. R = 1, P = 1/2
    r = run(tmp_path, [W], [sq(0, 0, 100, 200), sq(0, 0, 50, 50)])
    assert (r["recall"], r["precision"]) == (1.0, 0.5)
    assert r["per_image"]["img1"]["matches"] == [[0, 0]]


def test_images_without_detection_file_are_skipped_as_the_script(tmp_path):
    # img1 detected exactly; img2 (1 GT) has no detection file: the script never sees it -> R = 1/1
    gt_dir, det_dir = write_case(tmp_path, {"img1": [W], "img2": [W]}, {"img1": [sq(0, 0, 100, 100)]})
    r = evaluate("totaltext", gt_dir, det_dir)
    assert (r["n_images"], r["n_gt"], r["recall"]) == (1, 1, 1.0)
    assert r["skipped_images"] == ["img2"]
    # opting out counts img2's GT as missed: R = 1/2
    r = evaluate("totaltext", gt_dir, det_dir, skip_missing_detections=False)
    assert (r["n_images"], r["n_gt"], r["recall"]) == (2, 2, 0.5)


def test_empty_detection_file_counts_its_gt_as_missed(tmp_path):
    r = run(tmp_path, [W], [])
    assert (r["n_images"], r["n_gt"], r["n_det"], r["recall"], r["precision"]) == (1, 1, 0, 0.0, 0.0)


def test_zero_area_bow_tie_detection_does_not_crash(tmp_path):
    # bow-tie (0,0),(20,20),(20,0),(0,20): raw shapely area 0 (Deteval.py divides by it and crashes).
    # Here tau = 0; sigma = buffer(0) lobe 100 / GT 400 = 0.25. Nothing matches: R = 0, P = 0/1
    r = run(tmp_path, [(sq(0, 0, 20, 20), "W", "h")], [[(0, 0), (20, 20), (20, 0), (0, 20)]])
    assert (r["n_det"], r["recall"], r["precision"]) == (1, 0.0, 0.0)


def test_sigma_tau_tables_round_to_two_decimals():
    # GT (0,0)-(3,1) area 3, det (0,0)-(1,1) area 1: sigma = 1/3 -> 0.33, tau = 1
    sigma, tau = totaltext.sigma_tau([np.array(sq(0, 0, 3, 1), float)], [np.array(sq(0, 0, 1, 1), float)])
    assert sigma.tolist() == [[0.33]] and tau.tolist() == [[1.0]]


@pytest.mark.parametrize(
    "det, matched",
    [
        (sq(0, 0, 100, 50), False),  # I = 5000, U = 10000: 5000 / (10000 + 1) = 0.49995 < 0.5 (geometric IoU 0.5)
        (sq(0, 0, 100, 51), True),  # 5100 / 10001 = 0.50995 >= 0.5
    ],
)
def test_pascal_iou_has_plus_one_in_the_union(tmp_path, det, matched):
    r = run(tmp_path, [W], [det], protocol="totaltext-iou")
    assert r["hmean"] == (1.0 if matched else 0.0)


def test_pascal_detection_takes_only_its_argmax_gt(tmp_path):
    # g0 (0,0)-(100,100), g1 (60,0)-(160,100). d0 = g0 -> TP. d1 (28,0)-(128,100): IoU with g0
    # 7200/(12800+1) = 0.5625, with g1 6800/(13200+1) = 0.515; its arg-max g0 is taken -> FP, no fall-back to g1.
    # R = 1/2, P = 1/2
    r = run(tmp_path, [W, (sq(60, 0, 160, 100), "B", "h")], [sq(0, 0, 100, 100), sq(28, 0, 128, 100)], protocol="totaltext-iou")
    assert (r["recall"], r["precision"]) == (0.5, 0.5)


def test_pascal_without_any_true_positive_gives_zero(tmp_path):
    # Pascal_VOC.py divides 0 by 0 here; the evaluator reports 0
    r = run(tmp_path, [W], [sq(500, 500, 600, 600)], protocol="totaltext-iou")
    assert (r["precision"], r["recall"], r["hmean"]) == (0.0, 0.0, 0.0)


def test_text_format_gt_with_wrapped_record(tmp_path):
    # the legacy .txt GT: a record wrapped over two lines reads as one region
    (tmp_path / "gt").mkdir()
    (tmp_path / "det").mkdir()
    (tmp_path / "gt" / "poly_gt_img7.txt").write_text(
        "x: [[  0 100 100   0]], y: [[  0   0 100 100]], ornt: [u'h'], transcriptions: [u'WORD']\r\n"
        "x: [[300 400 400\r\n 300]], y: [[0 0 100 100]], ornt: [u'#'], transcriptions: [u'#']\r\n"
    )
    (tmp_path / "det" / "res_img7.txt").write_text("0,0,100,0,100,100,0,100\n300,0,400,0,400,100,300,100\n")
    r = evaluate("totaltext", tmp_path / "gt", tmp_path / "det")
    # the second detection lies on the '#' region: removed; R = P = 1
    assert r["per_image"]["img7"]["gt_dontcare"] == [False, True]
    assert (r["n_gt"], r["n_det"], r["hmean"]) == (1, 1, 1.0)


@needs_samples
def test_real_mat_files_perfect_detections(samples, tmp_path):
    from textsr.data.gt import read_totaltext_mat

    gt_dir = samples / "totaltext" / "Groundtruth" / "Polygon" / "Test"
    (tmp_path / "det").mkdir()
    for path in gt_dir.glob("poly_gt_*.mat"):
        lines = [det_line(r.points.astype(int).tolist()) for r in read_totaltext_mat(path) if not r.dontcare]
        (tmp_path / "det" / f"res_{path.stem[8:]}.txt").write_text("\n".join(lines) + "\n")
    r = evaluate("totaltext", gt_dir, tmp_path / "det")
    # care GT: img1 1, img2 7 (9 - 2 '#'), img3 4, img4 11 (12 - 1), img5 1 = 24
    assert (r["n_images"], r["n_gt"], r["n_det"]) == (5, 24, 24)
    assert r["recall"] == 1.0 and r["precision"] == 1.0
