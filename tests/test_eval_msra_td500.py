"""msra-td500 (IC15 logic on the native rotated-rectangle GT) and msra-td500-angle (IoU + angle < pi/8),
evaluation.md section 5; numbers by hand."""

from __future__ import annotations

import math

import pytest
from conftest import needs_samples

from textsr.evaluation import evaluate


def write_case(root, gt: dict[str, list[str]], det: dict[str, list[str]]):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    for stem, lines in gt.items():
        (root / "gt" / f"{stem}.gt").write_text("".join(l + "\r\n" for l in lines))  # CRLF like the release
    for stem, lines in det.items():
        (root / "det" / f"res_{stem}.txt").write_text("".join(l + "\n" for l in lines))
    return root / "gt", root / "det"


def test_rotated_gt_is_matched_by_its_corner_quad(tmp_path):
    # "0 0 0 0 100 40 1.5707963" (theta = pi/2): centre (50, 20); TL = (50 + (-50)cos - (-20)sin,
    # 20 + (-50)sin + (-20)cos) = (70, -30); TR = (70, 70); BR = (30, 70); BL = (30, -30) (clockwise on screen)
    gt_dir, det_dir = write_case(tmp_path, {"IMG_1": ["0 0 0 0 100 40 1.5707963"]}, {"IMG_1": ["70,-30,70,70,30,70,30,-30"]})
    r = evaluate("msra-td500", gt_dir, det_dir)
    assert r["per_image"]["IMG_1"]["gt"] == [[[70, -30], [70, 70], [30, 70], [30, -30]]]
    assert r["hmean"] == 1.0


def test_difficult_lines_are_dontcare(tmp_path):
    # a difficult line detected exactly: the detection is don't care (I/A = 1 > 0.5); the care line is missed.
    # care GT 1, care det 0, matched 0: R = 0, P = 0
    gt = ["0 1 0 0 100 40 0", "1 0 200 0 100 40 0"]
    r = evaluate("msra-td500", *write_case(tmp_path, {"IMG_1": gt}, {"IMG_1": ["0,0,100,0,100,40,0,40"]}))
    assert r["per_image"]["IMG_1"]["gt_dontcare"] == [True, False]
    assert (r["n_gt"], r["n_det"], r["recall"]) == (1, 0, 0.0)


def test_angle_rule_rejects_a_box_rotated_by_more_than_pi_over_8(tmp_path):
    # GT: 100 x 100 square at (0,0), theta 0. Det: the same square turned 45 degrees about (50,50), rounded:
    # (50,-21),(121,50),(50,121),(-21,50). Each GT corner is cut by a right triangle with legs 100 - 71 = 29:
    # I = 10000 - 4 * 29^2 / 2 = 8318; det area = 2 * 71^2 = 10082; IoU = 8318 / (10000 + 10082 - 8318) = 0.707.
    # IC15 logic: IoU > 0.5 -> match. Paper rule: angle difference pi/4 = 0.785 > pi/8 = 0.393 -> no match.
    gt = {"IMG_1": ["0 0 0 0 100 100 0"]}
    det = {"IMG_1": ["50,-21,121,50,50,121,-21,50"]}
    r = evaluate("msra-td500", *write_case(tmp_path / "a", gt, det))
    assert r["hmean"] == 1.0
    r = evaluate("msra-td500-angle", *write_case(tmp_path / "b", gt, det))
    assert r["hmean"] == 0.0
    assert r["per_image"]["IMG_1"]["det_angle"] == [pytest.approx(math.pi / 4)]


def test_angle_rule_accepts_small_rotation_and_the_reversed_direction(tmp_path):
    # GT theta = 0.3 rad; the detection is the GT's own rounded corners (direction 0.3 up to rounding):
    # difference ~0 < pi/8 -> match. The same quad listed from its bottom-right corner (still clockwise) points
    # the other way, direction 0.3 - pi, which folds (mod pi) to the same line -> match too.
    gt = {"IMG_1": ["0 0 0 0 200 40 0.3"]}
    from textsr.data.gt import rotated_rect_corners

    c = rotated_rect_corners(0, 0, 200, 40, 0.3).astype(int).tolist()
    forward = ",".join(f"{x},{y}" for x, y in c)
    backward = ",".join(f"{x},{y}" for x, y in c[2:] + c[:2])
    for name, line in (("f", forward), ("b", backward)):
        r = evaluate("msra-td500-angle", *write_case(tmp_path / name, gt, {"IMG_1": [line]}))
        assert r["hmean"] == 1.0, name


@needs_samples
def test_real_samples_including_an_empty_gt_file(samples, tmp_path):
    # train/: IMG_1545 (5 lines, 1 difficult) and IMG_1579 (empty .gt, no text), next to their .JPG files.
    # Detections: IMG_1545's care quads; IMG_1579 one false positive. care GT 4, care det 5, matched 4:
    # R = 1, P = 4/5, H = 2 * 0.8 / 1.8 = 0.8889
    from textsr.data.gt import read_msra_td500_gt

    train = samples / "msra_td500" / "train"
    (tmp_path / "det").mkdir()
    lines = [",".join(str(int(v)) for v in r.points.ravel()) for r in read_msra_td500_gt(train / "IMG_1545.gt") if not r.dontcare]
    (tmp_path / "det" / "res_IMG_1545.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "det" / "res_IMG_1579.txt").write_text("0,0,10,0,10,10,0,10\n")
    r = evaluate("msra-td500", train, tmp_path / "det")
    assert (r["n_images"], r["n_gt"], r["n_det"], r["n_matched"]) == (2, 4, 5, 4)
    assert r["hmean"] == pytest.approx(2 * 0.8 / 1.8)
