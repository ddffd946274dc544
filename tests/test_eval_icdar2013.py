"""icdar2013 (DetEval), icdar2013-wolf and icdar2013-iou (evaluation.md section 2), numbers computed by hand.

Boxes are pixel-inclusive in DetEval: (xmin, ymin, xmax, ymax) = (0, 0, 99, 99) has area 100 * 100 = 10000.
"""

from __future__ import annotations

import pytest

from textsr.data.gt import AnnotationError
from textsr.evaluation import deteval, evaluate


def write_case(root, gt: dict[str, list[str]], det: dict[str, list[str]]):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    for stem, lines in gt.items():
        (root / "gt" / f"gt_{stem}.txt").write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    for stem, lines in det.items():
        (root / "det" / f"res_{stem}.txt").write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    return root / "gt", root / "det"


def run(tmp_path, protocol, gt, det, **options):
    return evaluate(protocol, *write_case(tmp_path, {"img_1": gt}, {"img_1": det}), **options)


G100 = '0, 0, 99, 99, "WORD"'  # 100 x 100 = 10000 px


@pytest.mark.parametrize(
    "det, matched",
    [
        # recall = 100*80/10000 = 0.80 >= 0.8, precision 1; centres (50,50),(50,40): 2*10/(141.4+128.1) = 0.07 < 1
        ("0,0,99,79", True),
        # recall = 7900/10000 = 0.79 < 0.8 (one-to-many: sum 0.79 < 0.8; many-to-one: no GT with recall >= 0.8)
        ("0,0,99,78", False),
        # precision = 10000/(100*250) = 0.40 >= 0.4, recall 1; 2*75/(141.4+269.3) = 0.37 < 1
        ("0,0,99,249", True),
        # precision = 10000/25100 = 0.3984 < 0.4; many-to-one: round(0.3984, 4) < 0.4
        ("0,0,99,250", False),
    ],
)
def test_one_to_one_thresholds_on_both_sides(tmp_path, det, matched):
    r = run(tmp_path, "icdar2013", [G100], [det])
    assert r["recall"] == r["precision"] == (1.0 if matched else 0.0)


def test_center_distance_rule_is_applied():
    # GT (0,0,99,99) and det (0,0,99,79): normDist = 2 * 10 / (sqrt(100^2+100^2) + sqrt(100^2+80^2))
    #   = 20 / (141.42 + 128.06) = 0.0742; it must be < the threshold
    gt, det = [(0, 0, 99, 99)], [(0, 0, 99, 79)]
    assert deteval.match_image(gt, [False], det, center_diff_threshold=0.08)["recall_credit"] == 1.0
    # below 0.0742 the one-to-one match is refused; one-to-many then fails its "overlaps >= 2" check
    assert deteval.match_image(gt, [False], det, center_diff_threshold=0.07)["recall_credit"] == 0.0


def test_single_overlap_check_sends_the_pair_to_one_to_many(tmp_path):
    # d0 = (0,0,99,79): recall 0.8, precision 1; d1 = (0,80,99,99): recall 0.2, precision 1.
    # DetEval: g0 overlaps 2 detections -> no one-to-one; one-to-many sums 0.8 + 0.2 = 1.0 >= 0.8 over
    # 2 detections -> recall credit 0.8, precision credit 0.8 * 2 = 1.6: R = 0.8/1, P = 1.6/2 = 0.8
    r = run(tmp_path, "icdar2013", [G100], ["0,0,99,79", "0,80,99,99"])
    assert r["recall"] == pytest.approx(0.8) and r["precision"] == pytest.approx(0.8)
    assert r["per_image"]["img_1"]["match_groups"] == [{"gt": [0], "det": [0, 1], "type": "OM"}]


def test_wolf_has_no_single_overlap_check(tmp_path):
    # same boxes: Wolf matches g0-d0 one-to-one (1/1); d1 stays unmatched: R = 1, P = 1/2, H = 2/3
    r = run(tmp_path, "icdar2013-wolf", [G100], ["0,0,99,79", "0,80,99,99"])
    assert r["recall"] == 1.0 and r["precision"] == 0.5
    assert r["hmean"] == pytest.approx(2 / 3)


def test_split_one_to_many_credits_point_eight(tmp_path):
    # GT (0,0,199,99) = 20000 px split into two halves: each recall 0.5, precision 1.
    # sum 1.0 >= 0.8, 2 overlaps -> recall 0.8, precision 0.8 * 2 = 1.6: R = 0.8, P = 1.6/2 = 0.8
    for protocol in ("icdar2013", "icdar2013-wolf"):
        r = evaluate(protocol, *write_case(tmp_path / protocol, {"img_1": ['0,0,199,99,"LONGWORD"']}, {"img_1": ["0,0,99,99", "100,0,199,99"]}))
        assert (r["recall"], r["precision"]) == pytest.approx((0.8, 0.8)), protocol
        assert r["recall_credit"] == pytest.approx(0.8) and r["precision_credit"] == pytest.approx(1.6)


def test_merge_many_to_one_and_wolf_difference(tmp_path):
    # g0 (0,0,99,99), g1 (100,0,199,99); one det (0,0,199,99): recall 1 each, precision 0.5 each.
    # DetEval: no one-to-one (2 GT qualify in the column); one-to-many fails "overlaps >= 2";
    # many-to-one: sum 0.5 + 0.5 = 1.0 >= 0.4 over 2 GT -> recall credit 2, precision 1: R = 2/2, P = 1/1
    gt = ['0,0,99,99,"a"', '100,0,199,99,"b"']
    r = evaluate("icdar2013", *write_case(tmp_path / "d", {"img_1": gt}, {"img_1": ["0,0,199,99"]}))
    assert (r["recall"], r["precision"]) == (1.0, 1.0)
    assert r["per_image"]["img_1"]["match_groups"] == [{"gt": [0, 1], "det": [0], "type": "MO"}]
    # Wolf: one-to-many for g0 succeeds (recall 1 >= 0.8, no overlap check) and credits 0.8 / 0.8;
    # the detection is then used, g1 stays unmatched: R = 0.8/2 = 0.4, P = 0.8/1, H = 2*0.32/1.2 = 0.5333
    r = evaluate("icdar2013-wolf", *write_case(tmp_path / "w", {"img_1": gt}, {"img_1": ["0,0,199,99"]}))
    assert (r["recall"], r["precision"]) == pytest.approx((0.4, 0.8))
    assert r["hmean"] == pytest.approx(0.32 * 2 / 1.2)


def test_one_to_many_sum_is_rounded_to_four_decimals_in_deteval_only(tmp_path):
    # GT (0,0,24999,0): 25000 x 1 px; d0 covers 10000 px (recall 0.4), d1 9999 px (recall 0.39996).
    # sum = 0.79996: DetEval round(0.79996, 4) = 0.8 >= 0.8 -> match, R = 0.8, P = 1.6/2 = 0.8;
    # Wolf compares 0.79996 < 0.8 -> no match at all.
    gt, det = ['0,0,24999,0,"x"'], ["0,0,9999,0", "10000,0,19998,0"]
    r = evaluate("icdar2013", *write_case(tmp_path / "d", {"img_1": gt}, {"img_1": det}))
    assert (r["recall"], r["precision"]) == pytest.approx((0.8, 0.8))
    r = evaluate("icdar2013-wolf", *write_case(tmp_path / "w", {"img_1": gt}, {"img_1": det}))
    assert (r["recall"], r["precision"]) == (0.0, 0.0)


def test_many_to_one_sum_is_rounded_to_four_decimals_in_deteval_only(tmp_path):
    # det (0,0,24999,0) = 25000 px; g0 (0,0,4999,0): recall 1, precision 0.2; g1 (5000,0,9998,0): 4999 px,
    # recall 1, precision 0.19996. Sum 0.39996 -> DetEval round = 0.4 >= 0.4 with 2 overlaps -> R = 2/2, P = 1/1.
    # Wolf: 0.39996 < 0.4 -> nothing.
    gt, det = ['0,0,4999,0,"a"', '5000,0,9998,0,"b"'], ["0,0,24999,0"]
    r = evaluate("icdar2013", *write_case(tmp_path / "d", {"img_1": gt}, {"img_1": det}))
    assert (r["recall"], r["precision"]) == (1.0, 1.0)
    r = evaluate("icdar2013-wolf", *write_case(tmp_path / "w", {"img_1": gt}, {"img_1": det}))
    assert (r["recall"], r["precision"]) == (0.0, 0.0)


def test_dontcare_threshold_is_point_four(tmp_path):
    # ### GT (0,0,99,99); care GT (300,0,399,99) detected exactly.
    # det (0,0,99,39): I/A_det = 1 > 0.4 -> don't care. det (60,0,159,99): I = 40*100 = 4000, A = 10000,
    # 0.4 is not > 0.4 -> a care false positive. P = 1/2, R = 1/1.
    gt = ['0,0,99,99,"###"', '300,0,399,99,"w"']
    r = run(tmp_path, "icdar2013", gt, ["0,0,99,39", "60,0,159,99", "300,0,399,99"])
    assert r["per_image"]["img_1"]["det_dontcare"] == [True, False, False]
    assert (r["n_gt"], r["n_det"], r["precision"], r["recall"]) == (1, 2, 0.5, 1.0)


def test_polygon_detection_is_reduced_to_its_bounding_box(tmp_path):
    # the rotated quad (10,0),(99,10),(89,99),(0,89) has the bounding box (0,0,99,99) = the GT: 1/1;
    # a self-intersecting bow-tie (0,0),(99,99),(99,0),(0,99) also reduces to (0,0,99,99)
    for name, line in (("quad", "10,0,99,10,89,99,0,89"), ("bowtie", "0,0,99,99,99,0,0,99"), ("ltrb", "0,0,99,99")):
        r = evaluate("icdar2013", *write_case(tmp_path / name, {"img_1": [G100]}, {"img_1": [line]}))
        assert r["hmean"] == 1.0, name
        assert r["per_image"]["img_1"]["det"] == [[[0, 0], [99, 0], [99, 99], [0, 99]]]


def test_training_split_space_separated_gt_is_read(tmp_path):
    r = run(tmp_path, "icdar2013", ['158 128 411 181 "Footpath"'], ["158,128,411,181"])
    assert r["hmean"] == 1.0


def test_inverted_box_is_an_error(tmp_path):
    gt_dir, det_dir = write_case(tmp_path, {"img_1": [G100]}, {"img_1": ["0,0,99,99", "50,0,40,99"]})
    with pytest.raises(AnnotationError, match=r"res_img_1\.txt:2: .*xmax < xmin"):
        evaluate("icdar2013", gt_dir, det_dir)


@pytest.mark.parametrize(
    "det, matched",
    [
        # IoU variant: LTRB polygon areas are NOT pixel-inclusive: GT (0,0,100,100) = 10000,
        # det (0,0,100,50): I = 5000, U = 10000 -> IoU 0.5, not > 0.5 (inclusive areas would give 0.505)
        ("0,0,100,50", False),
        # det (0,0,100,51): I = 5100, U = 10000 -> 0.51
        ("0,0,100,51", True),
    ],
)
def test_icdar2013_iou_threshold(tmp_path, det, matched):
    r = run(tmp_path, "icdar2013-iou", ['0,0,100,100,"w"'], [det])
    assert r["hmean"] == (1.0 if matched else 0.0)


def test_icdar2013_iou_dontcare_threshold_is_half(tmp_path):
    # ### GT (0,0,100,100): det (0,0,100,60) I/A = 1 -> ignored; det (50,0,150,100) I/A = 0.5 -> care FP
    r = run(tmp_path, "icdar2013-iou", ['0,0,100,100,"###"'], ["0,0,100,60", "50,0,150,100"])
    assert r["per_image"]["img_1"]["det_dontcare"] == [True, False]
    assert (r["n_gt"], r["n_det"], r["precision"]) == (0, 1, 0.0)
