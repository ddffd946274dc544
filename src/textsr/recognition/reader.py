"""Reading grey word crops with english_g2 as EasyOCR's `Reader.recognize` does (greedy decoder, defaults).

JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420, `easyocr/recognition.py` `get_text` and
`easyocr/easyocr.py` `recognize` / `readtext` defaults (decoder 'greedy', contrast_ths 0.1, adjust_contrast 0.5):
a first pass on every crop; crops read with confidence below contrast_ths are read again after
`adjust_contrast_grey(target=adjust_contrast)`, and the reading with the higher confidence is kept (the second
one on a tie). `readtext` applies this by default, so it is on here too (contrast_ths=0 switches it off).

Differences from EasyOCR, on purpose:
- The float model is used on every device. EasyOCR quantises the LSTM and linear layers to int8 on CPU
  (`quantize=True`) and runs float on GPU; float keeps the numbers the same on CPU and GPU.
- Batching never changes a crop's input: EasyOCR on CPU reads one box at a time, each padded to its own width
  ceil(ratio) * 64; its GPU path pads a whole image's boxes to the widest. Here crops are batched only with
  crops of the same padded width, so a crop reads the same at any batch size and whatever it is batched with
  (up to float rounding of batched kernels).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from textsr.recognition.ctc import decode_probabilities, ignore_indices
from textsr.recognition.preprocess import align, padded_width, resize_to_height
from textsr.recognition.text import Reading

log = logging.getLogger("textsr.recognition")

CONTRAST_THS = 0.1  # readtext default
ADJUST_CONTRAST = 0.5  # readtext default


class WordReader:
    """english_g2 (loaded strictly from `weights`) on `device`, reading grey uint8 word crops."""

    def __init__(self, weights: str | Path, device: str | torch.device = "cpu", *,
                 contrast_ths: float = CONTRAST_THS, adjust_contrast: float = ADJUST_CONTRAST,
                 ignore_chars: str = ""):
        from textsr.models.recognizer import load_recognizer

        self.device = torch.device(device)
        self.model = load_recognizer(weights, device=self.device)
        self.contrast_ths = contrast_ths
        self.adjust_contrast = adjust_contrast
        self.ignore = ignore_indices(ignore_chars)

    @torch.no_grad()
    def _pass(self, prepared: list[tuple[np.ndarray, int]], indices: list[int], batch_size: int,
              adjust_contrast: float) -> dict[int, Reading]:
        """Read prepared[i] for i in `indices`, batching crops of equal padded width in input order."""
        groups: dict[int, list[int]] = {}
        for i in indices:
            groups.setdefault(prepared[i][1], []).append(i)
        out: dict[int, Reading] = {}
        for width, members in groups.items():
            for start in range(0, len(members), batch_size):
                chunk = members[start : start + batch_size]
                batch = np.stack([align(prepared[i][0], width, adjust_contrast) for i in chunk])
                logits = self.model(torch.from_numpy(batch).to(self.device))
                probs = torch.softmax(logits, dim=2).cpu().numpy()
                for i, (text, conf) in zip(chunk, decode_probabilities(probs, self.ignore)):
                    out[i] = Reading(text, conf)
        return out

    def read(self, crops: Sequence[np.ndarray | None], batch_size: int = 1) -> list[Reading]:
        """Grey uint8 crops (h, w), any size -> one Reading per crop, in order (None: Reading("", 0.0))."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        prepared: list[tuple[np.ndarray, int] | None] = []
        for crop in crops:
            if crop is None or crop.size == 0:
                prepared.append(None)
                continue
            resized, ratio = resize_to_height(crop)
            prepared.append((resized, padded_width(ratio)))
        valid = [i for i, p in enumerate(prepared) if p is not None]
        first = self._pass(prepared, valid, batch_size, 0.0)
        if self.contrast_ths > 0:
            low = [i for i in valid if first[i].confidence < self.contrast_ths]
            if low:
                second = self._pass(prepared, low, batch_size, self.adjust_contrast)
                for i in low:
                    if second[i].confidence >= first[i].confidence:
                        first[i] = second[i]
        return [first.get(i, Reading("", 0.0)) for i in range(len(crops))]
