"""A recognizer's reading, and matching it against its label: the TextZoom / TSRN protocol plus a near-miss score.

WenjiaWang0312/TextZoom @ 6e3fc98bdf0a86c2315a85fa3120b8f938374180, `src/utils/util.py` `str_filt(s, 'lower')`:
lower-case, then keep only the characters of string.digits + string.ascii_lowercase; TSRN's test
(`src/interfaces/super_resolution.py`) counts a word correct when str_filt(pred) == str_filt(label).
`char_accuracy` is 1 - normalised edit distance on the same normalised strings (1 - NED, as the ICDAR 2019 ReCTS /
LSVT "1-N.E.D" measure, divided by the longer string's length), so a near miss scores close to 1.
"""

from __future__ import annotations

import string
from typing import NamedTuple

_KEEP = frozenset(string.digits + string.ascii_lowercase)


class Reading(NamedTuple):
    """One crop read by a recognizer (shared by english_g2 and PP-OCR; no torch needed)."""

    text: str
    confidence: float  # the recognizer's own score in [0, 1]; 0 for a crop too small to read


def normalize_text(text: str) -> str:
    """'Genaxis Theatre' -> 'genaxistheatre', '62-03' -> '6203', 'Café' -> 'caf' (only [0-9a-z] kept)."""
    return "".join(c for c in text.lower() if c in _KEEP)


def words_match(label: str, read: str) -> bool:
    """True when the read text equals the label after `normalize_text` (case-insensitive, alphanumerics only)."""
    return normalize_text(label) == normalize_text(read)


def levenshtein(a: str, b: str) -> int:
    """Edit distance: the fewest single-character insertions, deletions and substitutions turning a into b."""
    if len(a) < len(b):
        a, b = b, a
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]


def char_accuracy(label: str, read: str) -> float:
    """1 - levenshtein(a, b) / max(len a, len b) on a, b = normalize_text(label), normalize_text(read), in [0, 1];
    1.0 when both are empty ('kitten' / 'sitting': 1 - 3/7)."""
    a, b = normalize_text(label), normalize_text(read)
    n = max(len(a), len(b))
    return 1.0 if n == 0 else 1.0 - levenshtein(a, b) / n
