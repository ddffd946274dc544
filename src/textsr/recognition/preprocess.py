"""EasyOCR's recognizer input: grey crop -> height 64 -> (optional contrast stretch) -> [-1, 1] -> right padding.

Steps and constants from JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420:
- grey: `easyocr/utils.py` `reformat_input` converts the whole image to grey before cropping (cv2 BT.601 luma,
  fixed point). Here `to_gray` takes RGB (EasyOCR's file-path input decodes JPEG straight to grey, its array input
  assumes BGR; the luma weights are the same, the channel order here is the right one).
- `resize_to_height` = `compute_ratio_and_resize` (model_height = `config.imgH` = 64): a crop with w >= h becomes
  (64, int(64 w / h)); a taller-than-wide crop becomes (int(64 h / w), 64) (64 px wide), returning ratio h / w.
  EasyOCR passes `Image.Resampling.LANCZOS` (= 1) as cv2's interpolation flag, which cv2 reads as INTER_LINEAR:
  the resize is bilinear, reproduced here.
- `padded_width`: `get_image_list`'s max_width = ceil(max(1, ratio)) * 64 for one crop (`recognize` on CPU reads
  each box alone, so each crop is padded to its own width; `readtext`'s GPU batch path pads to the widest crop).
- `adjust_contrast_grey` (`easyocr/recognition.py`): contrast = (p90 - p10) / max(10, p90 + p10); below `target`
  the pixels are stretched, (v - p10 + 25) * 200 / max(10, p90 - p10), clipped to 0-255.
- `align` = `AlignCollate` + `NormalizePAD`: PIL bicubic resize to height 64 and width min(ceil(64 w / h), imgW)
  (a no-op for a crop `resize_to_height` already made 64 high), ToTensor (/255), (x - 0.5) / 0.5, then the
  padding columns repeat the last image column (not zeros).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

MODEL_HEIGHT = 64  # px, easyocr/config.py imgH


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> grey uint8 (H, W) (cv2 BT.601 luma); a (H, W) array is returned as is."""
    if rgb.ndim == 2:
        return rgb
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 (H, W, 3) image, got {rgb.dtype} {rgb.shape}")
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def resize_to_height(gray: np.ndarray, height: int = MODEL_HEIGHT) -> tuple[np.ndarray, float]:
    """Grey crop (h, w) -> (resized uint8, ratio), EasyOCR's `compute_ratio_and_resize` (bilinear).

    w >= h: (height, int(height * w / h)), ratio w / h. w < h: (int(height * h / w), height), ratio h / w (>= 1).
    """
    h, w = gray.shape[:2]
    if h < 1 or w < 1:
        raise ValueError(f"empty crop of shape {gray.shape}")
    ratio = w / h
    if ratio < 1.0:
        ratio = 1.0 / ratio
        size = (height, int(height * ratio))
    else:
        size = (int(height * ratio), height)
    return cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR), ratio


def padded_width(ratio: float, height: int = MODEL_HEIGHT) -> int:
    """Input width of a crop read alone: ceil(max(1, ratio)) * height px."""
    return math.ceil(max(1.0, ratio)) * height


def adjust_contrast_grey(gray: np.ndarray, target: float = 0.4) -> np.ndarray:
    """EasyOCR's contrast stretch of a uint8 grey image whose (p90 - p10) / max(10, p90 + p10) is below `target`."""
    high = np.percentile(gray, 90)
    low = np.percentile(gray, 10)
    contrast = (high - low) / np.maximum(10, high + low)
    if contrast >= target:
        return gray
    ratio = 200.0 / np.maximum(10, high - low)
    stretched = (gray.astype(int) - low + 25) * ratio
    return np.clip(stretched, 0, 255).astype(np.uint8)


def align(resized: np.ndarray, width: int, adjust_contrast: float = 0.0,
          height: int = MODEL_HEIGHT) -> np.ndarray:
    """One resized grey crop -> float32 (1, height, width) in [-1, 1], right-padded by repeating its last column.

    adjust_contrast > 0 applies `adjust_contrast_grey(target=adjust_contrast)` first (EasyOCR's second pass).
    """
    image = adjust_contrast_grey(resized, adjust_contrast) if adjust_contrast > 0 else resized
    h, w = image.shape
    new_w = min(math.ceil(height * w / float(h)), width)
    pil = Image.fromarray(np.ascontiguousarray(image), "L")
    arr = np.asarray(pil.resize((new_w, height), Image.BICUBIC), dtype=np.float32)
    arr = (arr / np.float32(255.0) - np.float32(0.5)) / np.float32(0.5)
    out = np.empty((1, height, width), dtype=np.float32)
    out[0, :, :new_w] = arr
    out[0, :, new_w:] = arr[:, -1:]
    return out
