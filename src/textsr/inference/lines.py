"""Word boxes -> text-line boxes, for test sets annotated by line (MSRA-TD500).

The CRAFT paper (Baek et al., CVPR 2019) evaluates on MSRA-TD500, whose ground truth is one box per text *line*,
after merging CRAFT's word boxes into lines with a simple rule: a box whose right side is close to the left side of
another box is joined to it. (The rule is taken from issue 15's summary of the paper; the paper's text was not in
the searchable corpus here.) The paper publishes no distance or angle threshold, and the official repository
(clovaai/CRAFT-pytorch @ e332dd8) has no code for it, so both are parameters (config `merge_lines: {gap, angle}`):
results with it are this project's reading of the rule, not a reproduction of the paper's numbers.

The rule as implemented, on boxes ordered as CRAFT writes them ((4, 2) x, y, clockwise from the corner with the
smallest x + y, so p0-p1 is the top edge and the reading direction for text rotated by less than 45 degrees):

- a box's left side is p3-p0, its right side p1-p2; its height h = |p1 - p2|; its direction the angle of p0 -> p1;
- B follows A when |angle(A) - angle(B)| <= `angle` degrees and the midpoint of B's left side lies, from the
  midpoint of A's right side, at most `gap` * h along A's direction (either way: touching or overlapping words
  count) and at most h / 2 across it (so the two sides face each other), h = min(h_A, h_B) (the smaller word sets
  the scale: a large and a small word side by side are seldom one line);
- A and B are neighbours when B follows A or A follows B;
- lines are the connected groups of neighbours (transitively); each line becomes the minimum-area rectangle of its
  boxes' corners (cv2.minAreaRect), ordered as CRAFT orders a box. A box with no neighbour is kept as it is.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def _side_midpoints(box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left-side midpoint, right-side midpoint) of a (4, 2) box ordered p0 top-left, p1, p2, p3 clockwise."""
    return (box[3] + box[0]) / 2, (box[1] + box[2]) / 2


def _angle(box: np.ndarray) -> float:
    """Direction of the top edge p0 -> p1 in degrees, (-180, 180], image axes (y down)."""
    dx, dy = box[1] - box[0]
    return math.degrees(math.atan2(dy, dx))


def _angle_gap(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def _ordered_box(points: np.ndarray) -> np.ndarray:
    """Minimum-area rectangle of points (N, 2) -> (4, 2) float32, clockwise from the corner with the smallest x + y
    (CRAFT's order; corners of an axis-aligned result are the extremes, as CRAFT's near-square rule gives)."""
    box = cv2.boxPoints(cv2.minAreaRect(points.astype(np.float32)))
    start = int(box.sum(axis=1).argmin())
    return np.roll(box, 4 - start, axis=0)


def follows(a: np.ndarray, b: np.ndarray, *, gap: float, angle: float) -> bool:
    """Whether box b ((4, 2), CRAFT order) continues the line of box a on its right (module docstring)."""
    if _angle_gap(_angle(a), _angle(b)) > angle:
        return False
    height = min(np.linalg.norm(a[1] - a[2]), np.linalg.norm(b[1] - b[2]))
    u = (a[1] - a[0]) / max(float(np.linalg.norm(a[1] - a[0])), 1e-9)  # a's reading direction
    d = _side_midpoints(b)[0] - _side_midpoints(a)[1]  # a's right midpoint -> b's left midpoint
    along, across = float(d @ u), float(d[1] * u[0] - d[0] * u[1])
    return bool(abs(along) <= gap * height and abs(across) <= height / 2)


def neighbours(a: np.ndarray, b: np.ndarray, *, gap: float, angle: float) -> bool:
    """Whether boxes a and b belong to one line: b follows a or a follows b."""
    return follows(a, b, gap=gap, angle=angle) or follows(b, a, gap=gap, angle=angle)


def merge_lines(boxes: list[np.ndarray], *, gap: float, angle: float) -> list[np.ndarray]:
    """Merge word boxes into line boxes (module docstring). Pure.

    boxes: (4, 2) arrays, x, y in pixels, clockwise from the corner with the smallest x + y (as CRAFT's boxes).
    gap: the largest distance along the line from one box's right side to the next box's left side, in heights
    of the smaller box; angle: the largest difference of the boxes' directions, degrees. Returns one (4, 2) float32 box per
    line, ordered by each line's first box in the input; a box without neighbours comes back unchanged (as float32).
    """
    boxes = [np.asarray(b, dtype=np.float64) for b in boxes]
    for i, b in enumerate(boxes):
        if b.shape != (4, 2):
            raise ValueError(f"merge_lines takes (4, 2) boxes; box {i} has shape {b.shape}")
    if gap < 0 or angle < 0:
        raise ValueError(f"merge_lines: gap and angle must be >= 0, got gap={gap}, angle={angle}")
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if neighbours(boxes[i], boxes[j], gap=gap, angle=angle):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    lines = []
    for members in sorted(groups.values()):
        if len(members) == 1:
            lines.append(boxes[members[0]].astype(np.float32))
        else:
            lines.append(_ordered_box(np.concatenate([boxes[i] for i in members])))
    return lines
