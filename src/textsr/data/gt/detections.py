"""The project's detection files (submissions): ``res_<image stem>.txt``, one detection per line.

A line is comma-separated x,y vertices, x first (also for Total-Text, whose official script reads y first: the
project never writes y first). What a protocol accepts (`kind`):

* ``quad``: exactly 4 integer points (8 numbers), the RRC IC15 rule;
* ``quad-confidence``: 4 integer points and an optional 9th field, the confidence (ICDAR2017-MLT);
* ``box``: ``xmin,ymin,xmax,ymax`` (4 integers) or an integer polygon of 3+ points, reduced to its bounding box
  (ICDAR2013);
* ``polygon``: an integer polygon of 3+ points (Total-Text: the official script parses with ``int()``);
* ``polygon-float``: a polygon of 3+ points, floats allowed (CTW1500's script reads floats).

One trailing comma is tolerated. Blank lines are skipped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textsr.data.gt.base import AnnotationError, parse_float, parse_ints, read_lines

KINDS = ("quad", "quad-confidence", "box", "polygon", "polygon-float")


@dataclass(frozen=True, eq=False)
class Detection:
    """points: (N, 2) float64 x, y; for ``box`` the 4 corners TL, TR, BR, BL of the (reduced) box.

    confidence: the 9th field of a ``quad-confidence`` line, else None. line: 1-based line in `path`.
    ltrb: the line was a 4-number ``xmin,ymin,xmax,ymax`` box.
    """

    points: np.ndarray
    line: int
    path: str
    confidence: float | None = None
    ltrb: bool = False


def det_stem(name: str) -> str | None:
    """``res_img_12.txt`` -> ``img_12``."""
    m = re.fullmatch(r"res_(.+)\.txt", name)
    return m.group(1) if m else None


def _box_corners(xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
    return np.asarray([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]], dtype=np.float64)


def parse_detection_line(line: str, kind: str, path: str | Path, number: int) -> Detection:
    """One line -> Detection, or AnnotationError naming file and line."""
    fields = line.split(",")
    if len(fields) > 1 and fields[-1].strip() == "":
        fields = fields[:-1]
    n = len(fields)
    if kind == "quad":
        if n != 8:
            raise AnnotationError(path, number, f"expected 4 points x1,y1,...,x4,y4 (8 integers), got {n} fields")
        values = parse_ints(fields, path, number)
        return Detection(np.asarray(values, dtype=np.float64).reshape(4, 2), number, str(path))
    if kind == "quad-confidence":
        if n not in (8, 9):
            raise AnnotationError(path, number, f"expected x1,y1,...,x4,y4[,confidence] (8 or 9 fields), got {n}")
        values = parse_ints(fields[:8], path, number)
        confidence = parse_float(fields[8], path, number, "confidence") if n == 9 else None
        return Detection(np.asarray(values, dtype=np.float64).reshape(4, 2), number, str(path), confidence)
    if kind == "box":
        values = parse_ints(fields, path, number)
        if n == 4:
            xmin, ymin, xmax, ymax = values
            if xmax < xmin or ymax < ymin:
                raise AnnotationError(path, number, f"box {values}: xmax < xmin or ymax < ymin")
            return Detection(_box_corners(xmin, ymin, xmax, ymax), number, str(path), ltrb=True)
        if n < 6 or n % 2:
            raise AnnotationError(path, number, f"expected xmin,ymin,xmax,ymax or a polygon of 3+ x,y points, got {n} numbers")
        pts = np.asarray(values, dtype=np.float64).reshape(-1, 2)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return Detection(_box_corners(lo[0], lo[1], hi[0], hi[1]), number, str(path))
    if kind in ("polygon", "polygon-float"):
        if n < 6 or n % 2:
            raise AnnotationError(path, number, f"expected a polygon of 3+ x,y points (an even count >= 6), got {n} numbers")
        if kind == "polygon":
            values = parse_ints(fields, path, number)
        else:
            try:
                values = [float(v) for v in fields]
            except ValueError:
                values = []
            if len(values) != n or not all(map(math.isfinite, values)):
                values = [parse_float(v, path, number, "coordinate") for v in fields]  # raises, naming the field
        return Detection(np.asarray(values, dtype=np.float64).reshape(-1, 2), number, str(path))
    raise ValueError(f"unknown detection kind {kind!r}; expected one of {KINDS}")


def read_detections(path: str | Path, kind: str) -> list[Detection]:
    """All detections of one ``res_*.txt`` file in file order (an empty file: no detections)."""
    return [parse_detection_line(line, kind, path, number) for number, line in read_lines(path)]
