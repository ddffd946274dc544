"""CRAFT's input, as the official `imgproc.py` + test.py: magnify onto a zero canvas padded to multiples of 32,
normalise with ImageNet mean/std in float32, and hand torch a channels-last view of the array.

Numerics equal clovaai/CRAFT-pytorch @ e332dd8 (same cv2 resize, same float32 arithmetic, same truncations); the
defaults are the official test.py ones (`textsr.inference.detectors.OFFICIAL`).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from textsr.inference.detectors import OFFICIAL

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # RGB, fraction of 255
IMAGENET_STD = (0.229, 0.224, 0.225)


def resize_aspect_ratio(
    image: np.ndarray, canvas_size: int = OFFICIAL["canvas_size"], mag_ratio: float = OFFICIAL["mag_ratio"]
) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Magnify an image for CRAFT and paste it into a zero canvas padded to multiples of 32 (official rules).

    image: (H, W, C) uint8. The long side becomes min(mag_ratio * max(H, W), canvas_size); ratio = that / max(H, W);
    the new sizes are int(H * ratio), int(W * ratio) (truncated), resampled with cv2 INTER_LINEAR, pasted at the
    top-left of a float32 zero canvas whose sides are rounded up to multiples of 32.
    Returns (canvas (H32, W32, C) float32, 0-255 values; ratio; heatmap size (W32 // 2, H32 // 2) as (w, h)).
    """
    height, width, channels = image.shape
    target = mag_ratio * max(height, width)
    if target > canvas_size:
        target = canvas_size
    ratio = target / max(height, width)
    new_h, new_w = int(height * ratio), int(width * ratio)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas_h, canvas_w = -(-new_h // 32) * 32, -(-new_w // 32) * 32
    canvas = np.zeros((canvas_h, canvas_w, channels), dtype=np.float32)
    canvas[:new_h, :new_w, :] = resized
    return canvas, ratio, (canvas_w // 2, canvas_h // 2)


def normalize_mean_variance(image: np.ndarray) -> np.ndarray:
    """RGB 0-255 (H, W, 3) -> float32 (x - 255 * mean) / (255 * std), ImageNet mean/std, in float32 as official."""
    out = image.astype(np.float32)  # a copy
    out -= np.array([m * 255.0 for m in IMAGENET_MEAN], dtype=np.float32)
    out /= np.array([s * 255.0 for s in IMAGENET_STD], dtype=np.float32)
    return out


def canvas_tensor(image_rgb_uint8: np.ndarray, *, canvas_size: int = OFFICIAL["canvas_size"],
                  mag_ratio: float = OFFICIAL["mag_ratio"]) -> tuple[torch.Tensor, float]:
    """Pre-process one RGB uint8 (H, W, 3) image as the official test.py.

    Returns x (1, 3, H32, W32) float32 normalised canvas, a permuted view of the (H32, W32, 3) array (so in
    channels-last memory, as official), and the magnification ratio (score-map pixel * 2 / ratio = input pixel).
    """
    if image_rgb_uint8.ndim != 3 or image_rgb_uint8.shape[2] != 3:
        raise ValueError(f"expected an RGB (H, W, 3) image, got shape {image_rgb_uint8.shape}")
    canvas, ratio, _ = resize_aspect_ratio(image_rgb_uint8, canvas_size, mag_ratio)
    return torch.from_numpy(normalize_mean_variance(canvas)).permute(2, 0, 1).unsqueeze(0), ratio
