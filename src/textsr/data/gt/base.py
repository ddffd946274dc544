"""Shared pieces of the ground-truth and submission parsers: the error type, the region record, line reading."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class AnnotationError(ValueError):
    """A malformed ground-truth or detection file. The message is ``FILE:LINE: what is wrong``.

    `path` and `line` (1-based; 0 when the problem is the whole file) are kept as attributes.
    """

    def __init__(self, path: str | Path, line: int, reason: str):
        self.path = str(path)
        self.line = int(line)
        self.reason = reason
        super().__init__(f"{self.path}:{self.line}: {reason}")

    def __reduce__(self):  # keep pickling (multiprocessing) working with the 3-argument constructor
        return (type(self), (self.path, self.line, self.reason))


@dataclass(frozen=True, eq=False)
class GTRegion:
    """One ground-truth text region of one image.

    points: (N, 2) array of x, y vertices in image pixels (float64; integral where the format is).
    dontcare: True for regions the protocol ignores (``###``, Total-Text ``#``, MSRA-TD500 difficult, ...).
    text: the transcription as written ('' where the format has none).
    script: ICDAR2017-MLT script field (Latin, Arabic, ...), else None.
    angle: MSRA-TD500 rotation in radians (positive = clockwise on screen), else None.
    line: 1-based line (or .mat row) the region came from.
    """

    points: np.ndarray
    dontcare: bool
    text: str = ""
    script: str | None = None
    angle: float | None = None
    line: int = 0
    extra: dict = field(default_factory=dict)


def read_lines(path: str | Path) -> list[tuple[int, str]]:
    """Non-blank lines of a text file as (1-based line number, line) with the UTF-8 BOM and every CR removed.

    Lines are split on LF only (as the RRC scripts do), so CRLF and LF files read the same; a lone CR is
    dropped, not a line break. Bytes that are not UTF-8 are replaced (U+FFFD), as the RRC scripts do. Lines that
    are empty or whitespace only are skipped (the RRC scripts skip empty lines and reject whitespace-only ones).
    """
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.replace("\r", "")
        if line.strip():
            out.append((number, line))
    return out


_INT = re.compile(r"^\s*-?[0-9]+\s*$")


def parse_int(value: str, path: str | Path, line: int, what: str = "coordinate") -> int:
    """An integer field (optional sign, ASCII digits, surrounding blanks), else AnnotationError."""
    if not _INT.match(value):
        raise AnnotationError(path, line, f"{what} {value.strip()!r} is not an integer")
    return int(value)


_INT_LIST = re.compile(r"^\s*-?[0-9]+\s*(?:,\s*-?[0-9]+\s*)*$")


def parse_ints(fields: list[str], path: str | Path, line: int, what: str = "coordinate") -> list[int]:
    """Integer fields (one regex for the whole list on the fast path); AnnotationError names the bad field."""
    if _INT_LIST.match(",".join(fields)):
        return [int(v) for v in fields]
    return [parse_int(v, path, line, what) for v in fields]


def parse_float(value: str, path: str | Path, line: int, what: str = "value") -> float:
    """A finite float field, else AnnotationError."""
    try:
        number = float(value)
    except ValueError:
        raise AnnotationError(path, line, f"{what} {value.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise AnnotationError(path, line, f"{what} {value.strip()!r} is not finite")
    return number


def strip_quotes(text: str) -> str:
    """RRC transcription rule: a value wrapped in double quotes loses them and its escapes (\\\\ and \\")."""
    m = re.match(r'^\s*"(.*)"\s*$', text)
    if m is None:
        return text
    return m.group(1).replace("\\\\", "\\").replace('\\"', '"')
