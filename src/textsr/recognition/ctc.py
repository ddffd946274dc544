"""The english_g2 character set and EasyOCR's greedy CTC decoding with its confidence score.

Facts from JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420:
- `easyocr/config.py`, `recognition_models['gen2']['english_g2']['characters']`: the 96 characters below, in
  class order 1..96; class 0 is the CTC blank (`CTCLabelConverter` in `easyocr/utils.py`).
- `easyocr/recognition.py` `recognizer_predict`: softmax over classes; the probabilities of ignored characters
  are set to 0 and each time step is renormalised; greedy = arg-max per step; `CTCLabelConverter.decode_greedy`
  drops a step equal to the previous one, then drops blanks (its `ignore_idx` is [0]: `Reader` passes an empty
  separator list); confidence = `custom_mean` of the arg-max probabilities at non-blank steps,
  prod(p) ** (2 / sqrt(n)), and 0 when every step is blank.
- Ignored characters (`get_text`'s `ignore_char`) come from `allowlist` / `blocklist`, else
  set(characters) - set(language characters); for english_g2 with lang 'en' that set is empty (the language
  characters are en_char.txt's A-Za-z plus the model's `symbols`, which together are all 96 characters).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

ENGLISH_G2_CHARACTERS = (
    "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \u20ac"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
BLANK = 0


def ignore_indices(ignore_chars: Iterable[str] = "", characters: str = ENGLISH_G2_CHARACTERS) -> list[int]:
    """Class indices (1-based, blank = 0) of `ignore_chars`; characters not in the set are skipped, as EasyOCR."""
    return sorted({characters.index(c) + 1 for c in set(ignore_chars) if c in characters})


def greedy_decode(indices: np.ndarray, characters: str = ENGLISH_G2_CHARACTERS) -> str:
    """One sequence of arg-max class indices (T,) -> text: repeats collapsed first, then blanks removed."""
    t = np.asarray(indices).reshape(-1)
    if t.size == 0:
        return ""
    keep = np.concatenate([[True], t[1:] != t[:-1]]) & (t != BLANK)
    return "".join(characters[i - 1] for i in t[keep].tolist())


def custom_mean(probs: np.ndarray) -> float:
    """EasyOCR's confidence of one word: prod(p) ** (2 / sqrt(n)) over its n non-blank steps."""
    p = np.asarray(probs, dtype=np.float32)  # product in float32, power in float64, as EasyOCR's numpy code
    return float(p.prod() ** (2.0 / np.sqrt(len(p))))


def decode_probabilities(probs: np.ndarray, ignore: Iterable[int] = (),
                         characters: str = ENGLISH_G2_CHARACTERS) -> list[tuple[str, float]]:
    """Softmax probabilities (B, T, C) -> [(text, confidence)] per item, as EasyOCR's greedy decoder.

    Ignored classes get probability 0 and every step is renormalised (float32, as EasyOCR's numpy code) before
    the arg-max; the confidence uses the renormalised arg-max probabilities of the non-blank steps.
    """
    p = np.array(probs, dtype=np.float32, copy=True)
    if p.ndim != 3 or p.shape[2] != len(characters) + 1:
        raise ValueError(f"expected probabilities (B, T, {len(characters) + 1}), got {p.shape}")
    ignore = list(ignore)
    if ignore:
        p[:, :, ignore] = 0.0
    p = p / p.sum(axis=2, keepdims=True)
    best = p.argmax(axis=2)
    values = p.max(axis=2)
    out = []
    for idx, val in zip(best, values):
        kept = val[idx != BLANK]
        out.append((greedy_decode(idx, characters), custom_mean(kept) if len(kept) else 0.0))
    return out
