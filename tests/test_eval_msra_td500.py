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


def craft_order(corners) -> list[list[int]]:
    """A quad as CRAFT writes it (textsr.inference.detect, official getDetBoxes): clockwise, starting at the corner with the
    smallest x + y."""
    c = [[int(x), int(y)] for x, y in corners]
    start = min(range(4), key=lambda k: c[k][0] + c[k][1])
    return c[start:] + c[:start]


@pytest.mark.parametrize("degrees", [0, 30, -30, 60, -60, 90])
def test_angle_rule_accepts_a_craft_box_identical_to_the_gt_line_at_any_angle(degrees, tmp_path):
    # a 200 x 40 line about (300, 300) turned by `degrees`; the detection is its own rounded corners in CRAFT's
    # order. For 60 degrees CRAFT starts at the GT's BL corner, so the first edge BL->TL is the 40 px side: the
    # old first-edge angle was 60 - 90 = -30 degrees, 90 degrees off the GT -> H 0. Along the longer side the
    # angle is 60 degrees, difference ~0 < pi/8 -> H 1 (IoU 1).
    from textsr.data.gt import rotated_rect_corners

    theta = math.radians(degrees)
    corners = rotated_rect_corners(200, 280, 200, 40, theta)
    det = craft_order(corners)
    if degrees in (60, 90):
        assert det[0] == corners[3].astype(int).tolist()  # CRAFT starts at BL: the first edge is the short one
    line = ",".join(f"{x},{y}" for x, y in det)
    r = evaluate("msra-td500-angle", *write_case(tmp_path, {"IMG_1": [f"0 0 200 280 200 40 {theta:.7f}"]}, {"IMG_1": [line]}))
    assert r["hmean"] == 1.0
    assert r["per_image"]["IMG_1"]["det_angle"][0] == pytest.approx(theta % math.pi, abs=0.02)  # folded into [0, pi)


def test_quad_angle_does_not_depend_on_the_start_corner_or_direction():
    from textsr.evaluation.iou import angle_difference, quad_angle

    q = [[0, 0], [100, 0], [100, 20], [0, 20]]  # a horizontal line
    for k in range(4):
        rolled = q[k:] + q[:k]
        assert quad_angle(rolled) == 0.0  # along the 100 px side whatever the first edge, folded into [0, pi)
        assert quad_angle(rolled[::-1]) == 0.0  # counter-clockwise listing: the same line
    tall = [[0, 0], [20, 0], [20, 100], [0, 100]]  # a vertical line: pi/2
    assert quad_angle(tall) == pytest.approx(math.pi / 2)
    assert angle_difference(quad_angle(tall), -math.pi / 2) == pytest.approx(0.0)


def test_gt_box_taller_than_wide_has_its_line_along_the_long_side(tmp_path):
    # GT "w 40, h 200, theta 0" is a vertical line; the same box as a detection (vertical, long side 200) matches:
    # both angles are pi/2 along the long side. (Taking theta as the GT angle would give a difference of pi/2.)
    det = "0,0,40,0,40,200,0,200"
    r = evaluate("msra-td500-angle", *write_case(tmp_path, {"IMG_1": ["0 0 0 0 40 200 0"]}, {"IMG_1": [det]}))
    assert r["hmean"] == 1.0
