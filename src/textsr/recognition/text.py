"""Text normalisation for matching a read word against its label: the TextZoom / TSRN protocol.

WenjiaWang0312/TextZoom @ 6e3fc98bdf0a86c2315a85fa3120b8f938374180, `src/utils/util.py` `str_filt(s, 'lower')`:
lower-case, then keep only the characters of string.digits + string.ascii_lowercase; TSRN's test
(`src/interfaces/super_resolution.py`) counts a word correct when str_filt(pred) == str_filt(label).
"""

from __future__ import annotations

import string

_KEEP = frozenset(string.digits + string.ascii_lowercase)


def normalize_text(text: str) -> str:
    """'Genaxis Theatre' -> 'genaxistheatre', '62-03' -> '6203', 'Café' -> 'caf' (only [0-9a-z] kept)."""
    return "".join(c for c in text.lower() if c in _KEEP)


def words_match(label: str, read: str) -> bool:
    """True when the read text equals the label after `normalize_text` (case-insensitive, alphanumerics only)."""
    return normalize_text(label) == normalize_text(read)
