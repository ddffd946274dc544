"""PP-OCRv6 small word recognition with onnxruntime, as rapidocr 3.10.0's `TextRecognizer` (scoring only).

Model: `rapidocr/models/PP-OCRv6_rec_small.onnx` of the PyPI wheel rapidocr==3.10.0 (Apache-2.0; upstream
PaddleOCR's PP-OCRv6_small_rec, see the wheel's MODEL_LICENSES.md), 21,234,383 B, md5 below. Its character list
is the ONNX metadata entry `character` (18,708 lines). The wheel is used for its files only, never imported here.

Pipeline, from rapidocr 3.10.0 `rapidocr/ch_ppocr_rec/main.py` (`TextRecognizer.__call__`, `resize_norm_img`),
`rapidocr/ch_ppocr_rec/utils.py` (`CTCLabelDecode`) and `rapidocr/config.yaml` (`Rec`: rec_img_shape [3, 48, 320],
rec_batch_num 6):
- colour order BGR (rapidocr's `LoadImage` turns file / PIL input into BGR; PaddleOCR models are trained on
  cv2-read images); a grey crop becomes 3 equal channels (cv2 GRAY2BGR, as `LoadImage`).
- crops are sorted by width / height (`np.argsort`, default kind) and read in batches of 6 in that order; every
  crop of a batch is padded to one width, int(48 * r) with r = max(320 / 48, the batch's largest w / h).
- each crop: cv2.resize (bilinear) to height 48 and width min(ceil(48 w / h), batch width); x / 255, then
  (x - 0.5) / 0.5 (float32), channels first; zeros to the right (0 after normalisation: mid grey).
- CTC greedy: the model outputs probabilities (B, T, 18710); arg-max per step; a step equal to the previous one is
  dropped, then blanks; classes: 0 = blank, 1..18708 = the metadata characters, 18709 = " " (appended by
  rapidocr). Score: mean of the kept steps' max probabilities, each rounded to 5 decimals, the mean rounded to
  5 decimals; 0.0 when nothing is kept.
So a crop's reading depends on the crops batched with it (their widths set its padding), exactly as in rapidocr;
`batch_size=1` reads each crop alone (padded to max(320, int(48 w / h)) px).

Not done here (rapidocr's whole-image `RapidOCR` pipeline does them before the recognizer): the angle classifier
and rotating a crop with h / w >= 1.5 by 90 degrees (`get_rotate_crop_image`); the crops here are rectified
ground-truth or detected regions (`textsr.recognition.crops`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from textsr.data.weights import PPOCR_REC, PPOCR_PACKAGE, PPOCR_VERSION
from textsr.recognition.text import Reading
from textsr.util.onnx import install_checked, open_session, packaged_file

PACKAGE, PACKAGE_VERSION = PPOCR_PACKAGE, PPOCR_VERSION
REC_FILENAME = PPOCR_REC.file
REC_MEMBER = f"rapidocr/models/{REC_FILENAME}"  # path inside the wheel
REC_MD5 = PPOCR_REC.md5  # measured on the pinned wheel (textsr.data.weights)
REC_HEIGHT = 48  # px, config.yaml Rec.rec_img_shape[1]
REC_WIDTH = 320  # px, rec_img_shape[2]: the narrowest padded width (ratio 320 / 48)
REC_BATCH = 6  # config.yaml Rec.rec_batch_num
MIN_SIDE = 2  # px: a crop with a side under this is refused (textsr.recognition.crops.MIN_SIDE: unreadable)


def rec_weights_source() -> Path:
    """Path of PP-OCRv6_rec_small.onnx in the installed wheel rapidocr==3.10.0 (FileNotFoundError naming it)."""
    return packaged_file(PACKAGE, REC_MEMBER, PACKAGE_VERSION)


def install_rec_weights(dest: str | os.PathLike, source: str | os.PathLike | None = None) -> Path:
    """Copy PP-OCRv6_rec_small.onnx (default: from the wheel) to `dest` atomically, md5-checked (ChecksumError)."""
    return install_checked(source if source is not None else rec_weights_source(), dest, REC_MD5)


def characters(session) -> list[str]:
    """The CTC classes of a PP-OCR recognizer session: ["blank", *metadata `character` lines, " "].

    Lines are split with str.splitlines, as rapidocr's `get_character_list`. ValueError when the metadata lacks
    the entry or its length disagrees with the model's output classes.
    """
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise ValueError("the ONNX model has no 'character' metadata: not a rapidocr PP-OCR recognizer")
    classes = ["blank", *meta["character"].splitlines(), " "]
    n_out = session.get_outputs()[0].shape[-1]
    if isinstance(n_out, int) and n_out != len(classes):
        raise ValueError(f"the model outputs {n_out} classes, its character list gives {len(classes)}")
    return classes


def to_bgr(crop: np.ndarray) -> np.ndarray:
    """RGB uint8 (h, w, 3) -> BGR; grey (h, w) or (h, w, 1) -> 3 equal channels (cv2 GRAY2BGR)."""
    if crop.ndim == 2 or (crop.ndim == 3 and crop.shape[2] == 1):
        return cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_GRAY2BGR)
    if crop.ndim == 3 and crop.shape[2] == 3:
        return np.ascontiguousarray(crop[:, :, ::-1])
    raise ValueError(f"expected a grey (h, w) or RGB (h, w, 3) crop, got shape {crop.shape}")


def resize_norm(bgr: np.ndarray, max_wh_ratio: float, height: int = REC_HEIGHT) -> np.ndarray:
    """One BGR uint8 crop (h, w, 3) -> float32 (3, height, int(height * max_wh_ratio)), rapidocr's
    `resize_norm_img`: bilinear resize to height `height`, width min(ceil(height * w / h), padded width), scaled to
    [-1, 1], zero-padded on the right."""
    width = int(height * max_wh_ratio)
    h, w = bgr.shape[:2]
    resized_w = min(int(math.ceil(height * (w / float(h)))), width)
    resized = cv2.resize(bgr, (resized_w, height)).astype("float32")
    resized = resized.transpose((2, 0, 1)) / 255
    resized -= 0.5
    resized /= 0.5
    out = np.zeros((3, height, width), dtype=np.float32)
    out[:, :, :resized_w] = resized
    return out


def ctc_decode(probs: np.ndarray, classes: Sequence[str]) -> list[tuple[str, float]]:
    """Probabilities (B, T, C) -> [(text, score)] per item, rapidocr's `CTCLabelDecode` (class 0 = blank)."""
    best, values = probs.argmax(axis=2), probs.max(axis=2)
    out = []
    for idx, val in zip(best, values):
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        conf = [round(c, 5) for c in np.array(val[keep]).tolist()] or [0]
        out.append(("".join(classes[i] for i in idx[keep]), np.mean(conf).round(5).tolist()))
    return out


def _checked(crop: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(crop, np.ndarray) or crop.dtype != np.uint8:
        raise ValueError(f"{name}: expected a uint8 image array, got {type(crop).__name__} "
                         f"{getattr(crop, 'dtype', '')}")
    if crop.ndim < 2 or min(crop.shape[:2]) < MIN_SIDE:
        raise ValueError(f"{name}: crop of shape {crop.shape} is empty or under {MIN_SIDE} px on a side")
    return to_bgr(crop)


class PPOCRReader:
    """PP-OCRv6 small on onnxruntime, reading word crops as rapidocr 3.10.0's `TextRecognizer`.

    weights: the ONNX file (md5-checked on load: FileNotFoundError / ChecksumError naming it). threads: intra-op
    CPU threads. device: "auto" (CUDA when onnxruntime has it), "cpu", "cuda[:N]".
    """

    def __init__(self, weights: str | os.PathLike, *, threads: int = 1, device: str = "auto"):
        self.session = open_session(weights, REC_MD5, threads=threads, device=device)
        self.classes = characters(self.session)
        self.input_name = self.session.get_inputs()[0].name

    def forward(self, batch: np.ndarray) -> np.ndarray:
        """float32 (B, 3, 48, W) -> probabilities (B, W / 8, 18710)."""
        return self.session.run(None, {self.input_name: batch})[0]

    def read(self, crops: Sequence[np.ndarray | None], batch_size: int = REC_BATCH,
             names: Sequence[str] | None = None) -> list[Reading]:
        """Word crops -> one Reading per crop, in order.

        crops: RGB uint8 (h, w, 3) or grey (h, w); None (a region too small to crop) reads as Reading("", 0.0).
        A crop under MIN_SIDE px on a side, or not uint8, raises ValueError naming it by `names[i]` (default
        "crop i"). batch_size: rapidocr's rec_batch_num (6); the batches and their padding follow rapidocr.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        labels = list(names) if names is not None else [f"crop {i}" for i in range(len(crops))]
        valid = [i for i, c in enumerate(crops) if c is not None]
        images = [_checked(crops[i], labels[i]) for i in valid]
        out = [Reading("", 0.0)] * len(crops)
        ratios = np.array([im.shape[1] / float(im.shape[0]) for im in images])
        order = np.argsort(ratios)
        for start in range(0, len(images), batch_size):
            members = order[start : start + batch_size]
            max_ratio = max(REC_WIDTH / REC_HEIGHT, *(float(ratios[k]) for k in members))
            batch = np.stack([resize_norm(images[k], max_ratio) for k in members]).astype(np.float32)
            for k, (text, score) in zip(members, ctc_decode(self.forward(batch), self.classes)):
                out[valid[k]] = Reading(text, float(score))
        return out


def read_files(paths: Sequence[str | os.PathLike], reader: PPOCRReader, batch_size: int = REC_BATCH) -> list[Reading]:
    """Each image file read as one word crop (RGB, EXIF ignored), in order; a bad file raises naming it."""
    from textsr.util.imageio import read_image

    return reader.read([read_image(p) for p in paths], batch_size=batch_size, names=[str(p) for p in paths])
