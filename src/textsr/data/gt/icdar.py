"""Robust Reading Competition ground truth: ICDAR2013 (Challenge 2), ICDAR2015 (Challenge 4), ICDAR2017-MLT.

Line rules follow RRC's `rrc_evaluation_funcs` (`get_tl_line_values`): integer coordinates (``-?[0-9]+`` with
blanks around), the transcription is the rest of the line (it may contain commas) and loses surrounding double
quotes, ``###`` marks a don't-care region. Files are UTF-8 with or without BOM, LF or CRLF.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from textsr.data.gt.base import AnnotationError, GTRegion, read_lines, strip_quotes

DONTCARE = "###"
MLT_SCRIPTS = ("Arabic", "Latin", "Chinese", "Japanese", "Korean", "Bangla", "Symbols", "Mixed", "None")

_I = r"\s*(-?[0-9]+)\s*"
_U = r"\s*([0-9]+)\s*"  # RRC's LTRB regex has no sign on xmax, ymax
_QUAD_TEXT = re.compile("^" + ",".join([_I] * 8) + ",(.*)$")
_QUAD_SCRIPT_TEXT = re.compile("^" + ",".join([_I] * 8) + r",([^,]*),(.*)$")
_LTRB_TEXT = re.compile("^" + _I + "," + _I + "," + _U + "," + _U + ",(.*)$")
_FOUR_MORE_INTS = re.compile(r"^\s*-?[0-9]+\s*,\s*-?[0-9]+\s*,\s*-?[0-9]+\s*,\s*-?[0-9]+\s*(,|$)")
_LTRB_TEXT_SPACES = re.compile(r"^\s*(-?[0-9]+)\s+(-?[0-9]+)\s+([0-9]+)\s+([0-9]+)\s+(.*)$")


def gt_stem(name: str) -> str | None:
    """RRC ground-truth file name -> image stem: ``gt_img_12.txt`` -> ``img_12``, ``gt_100.txt`` -> ``100``."""
    m = re.fullmatch(r"gt_(.+)\.txt", name)
    return m.group(1) if m else None


def _quad(match: re.Match) -> np.ndarray:
    return np.asarray([int(match.group(i)) for i in range(1, 9)], dtype=np.float64).reshape(4, 2)


def read_icdar2015_gt(path: str | Path) -> list[GTRegion]:
    """``x1,y1,x2,y2,x3,y3,x4,y4,transcription`` per line (ICDAR2015 Challenge 4, also the project's synthetic GT).

    Point order is kept as written (the RRC kit validates GT orientation too; orientation does not change any score).
    """
    regions = []
    for number, line in read_lines(path):
        m = _QUAD_TEXT.match(line)
        if m is None:
            raise AnnotationError(path, number, "expected x1,y1,x2,y2,x3,y3,x4,y4,transcription with integer coordinates")
        text = strip_quotes(m.group(9))
        regions.append(GTRegion(points=_quad(m), dontcare=text == DONTCARE, text=text, line=number))
    return regions


def read_icdar2017_gt(path: str | Path) -> list[GTRegion]:
    """ICDAR2017-MLT: ``x1,y1,...,x4,y4,script,transcription``; ``###`` is don't care, the script is kept."""
    regions = []
    for number, line in read_lines(path):
        m = _QUAD_SCRIPT_TEXT.match(line)
        if m is None:
            raise AnnotationError(path, number, "expected x1,y1,...,x4,y4,script,transcription with integer coordinates")
        script = m.group(9).strip()
        text = strip_quotes(m.group(10))
        regions.append(GTRegion(points=_quad(m), dontcare=text == DONTCARE, text=text, script=script, line=number))
    return regions


def read_icdar2013_gt(path: str | Path) -> list[GTRegion]:
    """ICDAR2013 Challenge 2: ``xmin, ymin, xmax, ymax, "transcription"`` (test split, commas).

    The training split's space-separated ``xmin ymin xmax ymax "text"`` is accepted too (the RRC script rejects
    it). A line whose transcription starts with four more integers is refused: it is an 8-coordinate quad that
    the RRC regex would silently read as a box of its first two points. Points are the rectangle's corners TL,
    TR, BR, BL; protocols take xmin..ymax back from them.
    """
    regions = []
    for number, line in read_lines(path):
        m = _LTRB_TEXT.match(line) or _LTRB_TEXT_SPACES.match(line)
        if m is None:
            raise AnnotationError(path, number, 'expected xmin,ymin,xmax,ymax,"transcription" with integer coordinates')
        xmin, ymin, xmax, ymax = (int(m.group(i)) for i in range(1, 5))
        if xmax < xmin:
            raise AnnotationError(path, number, f"xmax ({xmax}) < xmin ({xmin})")
        if ymax < ymin:
            raise AnnotationError(path, number, f"ymax ({ymax}) < ymin ({ymin})")
        if _FOUR_MORE_INTS.match(m.group(5)):
            raise AnnotationError(
                path, number, "8 coordinates (an ICDAR2015-style quad?): ICDAR2013 GT is xmin,ymin,xmax,ymax,\"text\""
            )
        text = strip_quotes(m.group(5))
        points = np.asarray([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]], dtype=np.float64)
        regions.append(GTRegion(points=points, dontcare=text == DONTCARE, text=text, line=number))
    return regions
