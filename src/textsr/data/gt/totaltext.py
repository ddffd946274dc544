"""Total-Text ground truth: the legacy ``poly_gt_imgN.mat`` the official scripts read, and its ``.txt`` twin.

.mat: variable ``polygt``, an (N, 6) cell array of rows ``['x:', xs (1 x n int16), 'y:', ys, transcription,
orientation]``. .txt: records ``x: [[x1 x2 ...]], y: [[y1 y2 ...]], ornt: [u'c'], transcriptions: [u'TEXT']``,
numbers padded with blanks, a record may wrap onto several lines (a line not starting with ``x:`` continues the
previous record). Orientation is c / h / m, or ``#`` for do-not-care; the official scripts decide don't-care on
the orientation column (``gt[5] == '#'``), and so does this parser (`dontcare`); `extra['orientation']` keeps it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from textsr.data.gt.base import AnnotationError, GTRegion, read_lines

DONTCARE = "#"


def gt_stem(name: str) -> str | None:
    """``poly_gt_img3.mat`` / ``poly_gt_img3.txt`` -> ``img3``."""
    m = re.fullmatch(r"poly_gt_(.+)\.(mat|txt)", name)
    return m.group(1) if m else None


def _cell_text(cell) -> str:
    arr = np.asarray(cell)
    if arr.size == 0:
        return ""
    return str(arr.ravel()[0])


def _region(xs, ys, text: str, ornt: str, path, number: int) -> GTRegion:
    xs = np.asarray(xs, dtype=np.float64).ravel()
    ys = np.asarray(ys, dtype=np.float64).ravel()
    if xs.size != ys.size:
        raise AnnotationError(path, number, f"{xs.size} x values but {ys.size} y values")
    if xs.size == 0:
        raise AnnotationError(path, number, "polygon without vertices")
    return GTRegion(
        points=np.stack([xs, ys], axis=1),
        dontcare=ornt == DONTCARE,
        text=text,
        line=number,
        extra={"orientation": ornt},
    )


def read_totaltext_mat(path: str | Path) -> list[GTRegion]:
    """``poly_gt_imgN.mat`` -> regions in row order (`line` = 1-based row)."""
    from scipy import io

    path = Path(path)
    try:
        mat = io.loadmat(path)
    except Exception as exc:  # scipy raises several types on a damaged file
        raise AnnotationError(path, 0, f"cannot read MAT-file ({exc})") from exc
    if "polygt" not in mat:
        raise AnnotationError(path, 0, "no variable 'polygt' in the MAT-file")
    polygt = np.asarray(mat["polygt"], dtype=object)
    if polygt.size == 0:
        return []
    if polygt.ndim != 2 or polygt.shape[1] < 6:
        raise AnnotationError(path, 0, f"'polygt' has shape {polygt.shape}, expected (N, 6)")
    regions = []
    for row_index, row in enumerate(polygt, start=1):
        try:
            xs = np.asarray(row[1], dtype=np.float64)
            ys = np.asarray(row[3], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise AnnotationError(path, row_index, f"x/y cells are not numeric ({exc})") from exc
        regions.append(_region(xs, ys, _cell_text(row[4]), _cell_text(row[5]), path, row_index))
    return regions


_RECORD = re.compile(
    r"^x:\s*\[\[(?P<x>[^\]]*)\]\]\s*,\s*y:\s*\[\[(?P<y>[^\]]*)\]\]\s*,"
    r"\s*ornt:\s*\[\s*u?(?P<q1>['\"])(?P<ornt>.*?)(?P=q1)\s*\]\s*,"
    r"\s*transcriptions:\s*\[\s*u?(?P<q2>['\"])(?P<text>.*)(?P=q2)\s*\]\s*$"
)


def _numbers(text: str, path, number: int, axis: str) -> list[float]:
    try:
        return [float(v) for v in text.split()]
    except ValueError:
        raise AnnotationError(path, number, f"non-numeric {axis} list [[{text.strip()}]]") from None


def read_totaltext_txt(path: str | Path) -> list[GTRegion]:
    """Legacy text GT (``txt_format.zip``); wrapped records are joined (`line` = the record's first line)."""
    records: list[tuple[int, str]] = []
    for number, line in read_lines(path):
        if line.lstrip().startswith("x:") or not records:
            records.append((number, line.strip()))
        else:
            first, text = records[-1]
            records[-1] = (first, text + " " + line.strip())
    regions = []
    for number, record in records:
        m = _RECORD.match(record)
        if m is None:
            raise AnnotationError(path, number, "expected x: [[...]], y: [[...]], ornt: [u'.'], transcriptions: [u'...']")
        xs = _numbers(m.group("x"), path, number, "x")
        ys = _numbers(m.group("y"), path, number, "y")
        regions.append(_region(xs, ys, m.group("text"), m.group("ornt"), path, number))
    return regions


def read_totaltext_gt(path: str | Path) -> list[GTRegion]:
    """Dispatch on the suffix: ``.mat`` (official) or ``.txt``."""
    path = Path(path)
    if path.suffix.lower() == ".mat":
        return read_totaltext_mat(path)
    return read_totaltext_txt(path)
