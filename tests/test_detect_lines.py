"""Word boxes -> line boxes (MSRA-TD500): the right-side / left-side rule on hand-computed boxes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from textsr.inference.lines import follows, merge_lines, neighbours


def rect(x0: float, y0: float, length: float, height: float, degrees: float = 0.0) -> np.ndarray:
    """(4, 2) box clockwise from its top-left corner (x0, y0), top edge `length` long at `degrees` (y down)."""
    a = math.radians(degrees)
    u = np.array([math.cos(a), math.sin(a)])  # along the top edge
    n = np.array([-math.sin(a), math.cos(a)])  # down the left edge
    p0 = np.array([x0, y0], dtype=float)
    return np.array([p0, p0 + length * u, p0 + length * u + height * n, p0 + height * n])


A = rect(0, 0, 40, 10)  # right side x = 40, its midpoint (40, 5)
B = rect(45, 0, 35, 10)  # left side x = 45, its midpoint (45, 5): 5 px = 0.5 heights from A's right side
C = rect(0, 20, 40, 10)  # the next line: from A's right midpoint (40, 5) to C's left (0, 25): 40 back, 20 down


def test_boxes_closer_than_gap_heights_merge_into_their_bounding_line():
    (line,) = merge_lines([A, B], gap=1.0, angle=10)
    # 5 px <= 1.0 x mean height 10 -> one line from x 0 to 80, y 0 to 10
    np.testing.assert_allclose(line, [[0, 0], [80, 0], [80, 10], [0, 10]], atol=1e-4)
    assert line.dtype == np.float32


def test_boxes_farther_than_gap_heights_stay_apart_unchanged():
    # 5 px > 0.4 x 10 = 4 px
    out = merge_lines([A, B], gap=0.4, angle=10)
    assert len(out) == 2
    np.testing.assert_array_equal(out[0], A.astype(np.float32))
    np.testing.assert_array_equal(out[1], B.astype(np.float32))


def test_order_does_not_matter_and_the_next_text_line_is_not_joined():
    # B before A: B does not precede A (A's left midpoint (0, 5) is 80 px behind B's right (80, 5)), but B follows A.
    # C: 40 px back along the line (> 2 x 10) and 20 px across (> 10 / 2) from A, either way round
    assert follows(A, B, gap=2.0, angle=10) and not follows(B, A, gap=2.0, angle=10)
    out = merge_lines([B, C, A], gap=2.0, angle=10)
    assert len(out) == 2
    np.testing.assert_allclose(out[0], [[0, 0], [80, 0], [80, 10], [0, 10]], atol=1e-4)  # B's group comes first
    np.testing.assert_allclose(out[1], C, atol=1e-6)


@pytest.mark.parametrize("drop, merged", [(4.0, True), (6.0, False)])
def test_the_next_box_must_face_the_right_side_within_half_a_height(drop, merged):
    # B moved down: A's right midpoint (40, 5) -> B's left midpoint (45, 5 + drop): 5 along, drop across; h / 2 = 5
    lower = rect(45, drop, 35, 10)
    assert neighbours(A, lower, gap=1.0, angle=10) is merged


def test_a_word_on_the_next_line_is_not_joined_even_when_its_left_end_is_close():
    # "42" starts 3 px right of A's right end but one line lower (45 px): 3 along (<= 5 x 10), 45 across (> 5)
    below = rect(43, 45, 20, 10)
    assert len(merge_lines([A, below], gap=5.0, angle=10)) == 2


def test_angle_threshold_in_degrees():
    # D starts where B does (left side x = 45 at its top-left), its top edge turned by 30 degrees:
    # its left midpoint is (45, 0) + 5 (-sin 30, cos 30) = (42.5, 4.33): 2.5 px along and 0.67 across from A's right
    D = rect(45, 0, 30, 10, degrees=30)
    assert not neighbours(A, D, gap=1.0, angle=29.9)
    assert neighbours(A, D, gap=1.0, angle=30.1)
    assert len(merge_lines([A, D], gap=1.0, angle=20)) == 2


def test_chains_merge_transitively_and_rotated_lines_keep_their_angle():
    # three words along a 20-degree baseline, 40 + 5 gap + 30 + 5 gap + 20 = 100 px long, 12 px high
    u = np.array([math.cos(math.radians(20)), math.sin(math.radians(20))])
    words = [rect(*(np.array([10.0, 30.0]) + s * u), length, 12, degrees=20) for s, length in ((0, 40), (45, 30),
                                                                                              (80, 20))]
    assert not neighbours(words[0], words[2], gap=1.0, angle=5)  # 40 px apart: only through the middle word
    (line,) = merge_lines(words, gap=1.0, angle=5)
    np.testing.assert_allclose(line, rect(10, 30, 100, 12, degrees=20), atol=2e-3)
    x, y = line[:, 0], line[:, 1]
    assert (x * np.roll(y, -1) - np.roll(x, -1) * y).sum() > 0  # clockwise on screen, from the top-left corner


def test_empty_input_and_bad_shapes():
    assert merge_lines([], gap=1, angle=10) == []
    with pytest.raises(ValueError, match="box 1"):
        merge_lines([A, np.zeros((14, 2))], gap=1, angle=10)
    with pytest.raises(ValueError, match="gap"):
        merge_lines([A], gap=-1, angle=10)


def test_the_smaller_box_sets_the_scale():
    # a 30 px high word 8 px after a 10 px high one, bottoms aligned: its left midpoint (48, -5) is 8 px along
    # (<= 1 x min height 10) but 10 px across from A's right midpoint (40, 5): > 10 / 2, not the same line
    # (with the mean height, 20, it would be: 8 <= 20 and 10 <= 10)
    big = rect(48, -20, 60, 30)
    assert not neighbours(A, big, gap=1.0, angle=10)
    assert neighbours(A, rect(48, -2, 60, 14), gap=1.0, angle=10)  # 14 px high, left midpoint (48, 5): 8 along, 0
