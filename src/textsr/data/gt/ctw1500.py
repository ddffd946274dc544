"""SCUT-CTW1500 test ground truth, both releases, told apart per line.

Original (v1, what the official script reads): 32 integers ``xmin,ymin,xmax,ymax`` then 14 (dx, dy) offsets
relative to (xmin, ymin); no don't-care notion. Updated (2020): 28 integers ``x1,y1,...,x14,y14`` (absolute)
then a field ``####TEXT``; a TEXT of ``###`` is don't care. Files: ``1001.txt`` (original) or ``0001001.txt``
(updated release, ``000`` + image id); both map to image stem ``1001``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from textsr.data.gt.base import AnnotationError, GTRegion, parse_ints, read_lines

DONTCARE = "###"


def gt_stem(name: str) -> str | None:
    """``1001.txt`` -> ``1001``; ``0001001.txt`` -> ``1001`` (MMOCR's updated-release naming)."""
    m = re.fullmatch(r"(?:000)?([0-9]{4})\.txt", name)
    return m.group(1) if m else None


def read_ctw1500_gt(path: str | Path) -> list[GTRegion]:
    """Regions with 14 absolute vertices each; `extra['format']` is 'original' or 'updated'."""
    regions = []
    for number, line in read_lines(path):
        fields = line.split(",")
        if len(fields) == 32:
            values = parse_ints(fields, path, number)
            xmin, ymin = values[0], values[1]
            offsets = np.asarray(values[4:], dtype=np.float64).reshape(14, 2)
            points = offsets + np.asarray([xmin, ymin], dtype=np.float64)
            regions.append(GTRegion(points=points, dontcare=False, line=number, extra={"format": "original"}))
        elif len(fields) >= 28 and (len(fields) == 28 or fields[28].strip().startswith("####")):
            values = parse_ints(fields[:28], path, number)
            text = ",".join(fields[28:]).strip()[4:] if len(fields) > 28 else ""
            points = np.asarray(values, dtype=np.float64).reshape(14, 2)
            regions.append(
                GTRegion(points=points, dontcare=text == DONTCARE, text=text, line=number, extra={"format": "updated"})
            )
        else:
            raise AnnotationError(
                path, number, f"expected 32 integers (original format) or x1,y1,...,x14,y14,####text, got {len(fields)} fields"
            )
    return regions
