"""MSRA-TD500 ground truth: ``IMG_NNNN.gt``, one rotated text-line rectangle per line.

Line: ``index difficult x y w h theta``, blank separated (CRLF in the release). (x, y) is the top-left corner of
the *unrotated* box, theta is in radians and turns the box about its centre, clockwise on screen (y down) when
positive. ``difficult`` = 1 marks a don't-care line. Nine files of the release are empty (no text): valid.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from textsr.data.gt.base import AnnotationError, GTRegion, parse_float, parse_int, read_lines


def gt_stem(name: str) -> str | None:
    """``IMG_0445.gt`` -> ``IMG_0445``."""
    m = re.fullmatch(r"(.+)\.gt", name)
    return m.group(1) if m else None


def _round_half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def rotated_rect_corners(x: float, y: float, w: float, h: float, theta: float, *, rounded: bool = True) -> np.ndarray:
    """Corners TL, TR, BR, BL (clockwise on screen) of the box (x, y, w, h) turned by theta about its centre.

    corner = c + R(theta) (dx, dy) with dx = +-w/2, dy = +-h/2: x' = cx + dx cos - dy sin, y' = cy + dx sin + dy cos.
    rounded: round half away from zero to integers, the conversion the reference IC15-style numbers were made with.
    Returns (4, 2) float64.
    """
    cx, cy = x + w / 2.0, y + h / 2.0
    c, s = math.cos(theta), math.sin(theta)
    out = []
    for dx, dy in ((-w / 2.0, -h / 2.0), (w / 2.0, -h / 2.0), (w / 2.0, h / 2.0), (-w / 2.0, h / 2.0)):
        px, py = cx + dx * c - dy * s, cy + dx * s + dy * c
        out.append((_round_half_away(px), _round_half_away(py)) if rounded else (px, py))
    return np.asarray(out, dtype=np.float64)


def read_msra_td500_gt(path: str | Path) -> list[GTRegion]:
    """Regions with `points` = rounded corners TL, TR, BR, BL, `angle` = theta, dontcare = difficult.

    `extra` keeps the native box: {"index", "x", "y", "w", "h"}.
    """
    regions = []
    for number, line in read_lines(path):
        fields = line.split()
        if len(fields) != 7:
            raise AnnotationError(path, number, f"expected 7 fields 'index difficult x y w h theta', got {len(fields)}")
        index = parse_int(fields[0], path, number, "index")
        difficult = parse_int(fields[1], path, number, "difficult flag")
        if difficult not in (0, 1):
            raise AnnotationError(path, number, f"difficult flag must be 0 or 1, got {difficult}")
        x, y, w, h = (parse_float(v, path, number, name) for v, name in zip(fields[2:6], "xywh"))
        if w < 0 or h < 0:
            raise AnnotationError(path, number, f"negative box size w={w} h={h}")
        theta = parse_float(fields[6], path, number, "theta")
        regions.append(
            GTRegion(
                points=rotated_rect_corners(x, y, w, h, theta),
                dontcare=difficult == 1,
                angle=theta,
                line=number,
                extra={"index": index, "x": x, "y": y, "w": w, "h": h},
            )
        )
    return regions
