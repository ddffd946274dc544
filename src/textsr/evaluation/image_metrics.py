"""PSNR and SSIM on the Y channel, as RCAN's ``Evaluate_PSNR_SSIM.m`` (the numbers SR papers report).

* Y (BT.601, MATLAB ``rgb2ycbcr`` on ``im2double``): Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 for R, G, B
  in 0-255, so Y lies in [16, 235]; kept in floating point (rounding Y to uint8 costs ~0.09 dB on Set5 x2).
* The HR image is first cropped to the SR size (scale x LR, top-left anchored), then `shave` pixels are removed on
  every border of both (shave = scale in the papers).
* PSNR = 10 log10(255^2 / MSE) per image; SSIM = Wang et al.'s ``ssim_index.m``: K1 = 0.01, K2 = 0.03, L = 255,
  11 x 11 Gaussian window (sigma 1.5, normalised), 'valid' filtering, mean of the SSIM map.
* Folder means are plain means over images.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from scipy import ndimage

from textsr.util.atomic import write_text_atomic
from textsr.util.imageio import IMAGE_SUFFIXES, read_image


def rgb_to_y(image: np.ndarray) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> float64 Y (H, W) in [16, 235] (not rounded); a 2-D array is taken as Y already."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        return arr.astype(np.float64)
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise ValueError(f"expected an RGB image (H, W, 3), got shape {arr.shape}")
    rgb = arr[..., :3].astype(np.float64)
    return 16.0 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255.0


def _prepare(sr: np.ndarray, hr: np.ndarray, shave: int) -> tuple[np.ndarray, np.ndarray]:
    sr, hr = np.asarray(sr), np.asarray(hr)
    h, w = sr.shape[:2]
    if hr.shape[0] < h or hr.shape[1] < w:
        raise ValueError(f"HR image {hr.shape[:2]} is smaller than the SR image {sr.shape[:2]}")
    hr = hr[:h, :w]
    ys, yh = rgb_to_y(sr), rgb_to_y(hr)
    if shave:
        if 2 * shave >= h or 2 * shave >= w:
            raise ValueError(f"shave {shave} leaves nothing of a {h}x{w} image")
        ys = ys[shave:-shave, shave:-shave]
        yh = yh[shave:-shave, shave:-shave]
    return ys, yh


def psnr_y(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """Y-channel PSNR in dB of uint8 RGB `sr` against `hr` (cropped to sr's size), `shave` px off every border.

    inf when the images are identical.
    """
    ys, yh = _prepare(sr, hr, shave)
    mse = float(np.mean((ys - yh) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def _gaussian_1d(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return g / g.sum()  # fspecial's 2-D window = outer(g, g) / sum: the same after normalising each factor


def _filter_valid(image: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = ndimage.correlate1d(image, g, axis=0, mode="constant")
    out = ndimage.correlate1d(out, g, axis=1, mode="constant")
    r = len(g) // 2
    return out[r:-r, r:-r]


def ssim_y(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """Y-channel SSIM (MATLAB ``ssim_index`` on Y in 0-255 double) of `sr` against `hr`, `shave` px off every border."""
    ys, yh = _prepare(sr, hr, shave)
    return ssim_matlab(ys, yh)


def ssim_matlab(img1: np.ndarray, img2: np.ndarray, *, k1: float = 0.01, k2: float = 0.03, peak: float = 255.0) -> float:
    """Mean SSIM of two gray float images as Wang et al.'s ``ssim_index.m`` (11 x 11 Gaussian, sigma 1.5, 'valid')."""
    img1, img2 = np.asarray(img1, np.float64), np.asarray(img2, np.float64)
    if img1.shape != img2.shape:
        raise ValueError(f"shape mismatch {img1.shape} vs {img2.shape}")
    if min(img1.shape) < 11:
        raise ValueError(f"SSIM needs at least 11 x 11 pixels, got {img1.shape}")
    c1, c2 = (k1 * peak) ** 2, (k2 * peak) ** 2
    g = _gaussian_1d()
    mu1, mu2 = _filter_valid(img1, g), _filter_valid(img2, g)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    s1 = _filter_valid(img1 * img1, g) - mu1_sq
    s2 = _filter_valid(img2 * img2, g) - mu2_sq
    s12 = _filter_valid(img1 * img2, g) - mu12
    ssim_map = ((2 * mu12 + c1) * (2 * s12 + c2)) / ((mu1_sq + mu2_sq + c1) * (s1 + s2 + c2))
    return float(ssim_map.mean())


def _images_by_stem(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: image folder does not exist")
    out: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in suffixes:
            if path.stem in out:
                raise ValueError(f"{folder}: two images with stem {path.stem!r}: {out[path.stem].name}, {path.name}")
            out[path.stem] = path
    return out


def sr_metrics_folder(sr_dir: str | os.PathLike, hr_dir: str | os.PathLike, scale: int, *, shave: int | None = None) -> dict:
    """Y-PSNR / Y-SSIM of every HR image against the SR image of the same stem (``<stem>.png``).

    The image set is the HR folder's; a missing SR image is an error. shave defaults to `scale`.
    Returns {psnr_y, ssim_y (means), n_images, scale, shave, per_image {stem: {psnr_y, ssim_y}}}.
    """
    sr_dir, hr_dir = Path(sr_dir), Path(hr_dir)
    shave = int(scale) if shave is None else int(shave)
    hr_files = _images_by_stem(hr_dir, IMAGE_SUFFIXES)
    if not hr_files:
        raise FileNotFoundError(f"{hr_dir}: no images")
    sr_files = _images_by_stem(sr_dir, (".png",))
    missing = sorted(set(hr_files) - set(sr_files))
    if missing:
        raise FileNotFoundError(f"{sr_dir}: no SR image for {len(missing)} HR image(s), e.g. {missing[0]}.png")
    per_image = {}
    for stem, hr_path in hr_files.items():
        sr, hr = read_image(sr_files[stem]), read_image(hr_path)
        per_image[stem] = {"psnr_y": psnr_y(sr, hr, shave), "ssim_y": ssim_y(sr, hr, shave)}
    n = len(per_image)
    return {
        "psnr_y": sum(v["psnr_y"] for v in per_image.values()) / n,
        "ssim_y": sum(v["ssim_y"] for v in per_image.values()) / n,
        "n_images": n,
        "scale": int(scale),
        "shave": shave,
        "per_image": per_image,
    }


def sr_metrics_to_json(
    sr_dir: str | os.PathLike, hr_dir: str | os.PathLike, scale: int, out_json: str | os.PathLike, *, shave: int | None = None
) -> dict:
    """`sr_metrics_folder` written to `out_json` (sorted keys, indented, atomic); returns the result.

    A PSNR of identical images is infinite and is written as JSON ``Infinity`` (Python's json reads it back).
    """
    import json

    result = sr_metrics_folder(sr_dir, hr_dir, scale, shave=shave)
    write_text_atomic(out_json, json.dumps(result, sort_keys=True, indent=1) + "\n")
    return result
