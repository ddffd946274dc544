"""MATLAB-compatible bicubic resizing and the LR/bicubic folders of the pipeline.

`imresize` follows MATLAB's `imresize(im, scale, 'bicubic')`: Keys cubic with a = -0.5; when downscaling with
antialiasing the kernel is widened to 4/scale taps and its weights are scale * cubic(scale * d), normalised to sum 1;
output pixel x (1-based) samples input position u = x/scale + 0.5 (1 - 1/scale); rows are resized first, then columns
(MATLAB's order when both scales are equal); output size is ceil(in * scale).

Two details decide exactness against real MATLAB output (measured on the Set5 LR PNGs of the RCAN repo, x2 and x4):
* borders: MATLAB clamps out-of-range taps to the edge pixel ("replicating end-points") -- not the symmetric mirror
  of older MATLAB code and of BasicSR's port. Mirror padding changes up to 7 grey levels on the outermost row/column.
* uint8 input: MATLAB resizes one dimension, rounds to uint8, then resizes the other. Keeping the intermediate in
  float leaves ~12-15 % of pixels off by one (the BasicSR figure). `bicubic_downscale` / `bicubic_upscale` do both,
  and reproduce all 5 x 2 reference images bit for bit.
Never cv2.INTER_CUBIC (a = -0.75, no antialiasing: a different degradation).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from textsr.util.imageio import list_images, read_image, write_png

__all__ = [
    "modcrop",
    "imresize",
    "bicubic_downscale",
    "bicubic_upscale",
    "degrade_folder",
    "upscale_folder",
]


def modcrop(img: np.ndarray, scale: int) -> np.ndarray:
    """Crop `(H, W[, C])` to `(H - H % scale, W - W % scale[, C])`, keeping the top-left corner (MATLAB modcrop)."""
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    h, w = img.shape[:2]
    return img[: h - h % scale, : w - w % scale, ...]


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys cubic convolution kernel, a = -0.5, support [-2, 2]."""
    ax = np.abs(x)
    ax2 = ax * ax
    ax3 = ax2 * ax
    return (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1) + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * (
        (ax > 1) & (ax <= 2)
    )


PADDINGS = ("replicate", "symmetric")


def _resize_matrix(in_len: int, out_len: int, scale: float, antialiasing: bool, padding: str) -> np.ndarray:
    """Dense `(out_len, in_len)` float64 matrix M with out = M @ in along one axis (MATLAB `contributions`)."""
    kernel_width = 4.0
    if scale < 1 and antialiasing:
        kernel_width /= scale

        def kernel(d: np.ndarray) -> np.ndarray:
            return scale * _cubic(scale * d)

    else:
        kernel = _cubic
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - kernel_width / 2.0)
    n_taps = int(math.ceil(kernel_width)) + 2
    idx = left[:, None] + np.arange(n_taps, dtype=np.float64)[None, :]  # 1-based input positions
    weights = kernel(u[:, None] - idx)
    weights /= weights.sum(axis=1, keepdims=True)
    pos = idx.astype(np.int64) - 1  # 0-based
    if padding == "replicate":  # MATLAB: indices = min(max(1, indices), in_length)
        src = np.clip(pos, 0, in_len - 1)
    elif padding == "symmetric":  # old MATLAB / BasicSR: aux = [1:in, in:-1:1]
        aux = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
        src = aux[np.mod(pos, 2 * in_len)]
    else:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    mat = np.zeros((out_len, in_len), dtype=np.float64)
    rows = np.broadcast_to(np.arange(out_len)[:, None], src.shape)
    np.add.at(mat, (rows, src), weights)
    return mat


def imresize(
    img: np.ndarray, scale: float, *, antialiasing: bool = True, padding: str = "replicate"
) -> np.ndarray:
    """MATLAB `imresize(img, scale, 'bicubic')` on `(H, W)` or `(H, W, C)` in float64; returns float64.

    Values keep their range (uint8 0-255 stays 0-255) and are neither rounded nor clipped; the intermediate (after
    the rows) stays float, so for MATLAB-exact uint8 results use `bicubic_downscale` / `bicubic_upscale`.
    Output shape `(ceil(H * scale), ceil(W * scale)[, C])`. Works for scale > 1 (no antialiasing then).
    padding: "replicate" (current MATLAB) or "symmetric" (BasicSR's port).
    """
    return _resize(img, scale, antialiasing=antialiasing, padding=padding, quantize=False)


def _resize(img: np.ndarray, scale: float, *, antialiasing: bool, padding: str, quantize: bool) -> np.ndarray:
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    arr = np.asarray(img, dtype=np.float64)
    if arr.ndim not in (2, 3):
        raise ValueError(f"expected (H, W) or (H, W, C), got shape {arr.shape}")
    h, w = arr.shape[:2]
    # MATLAB computes the output size as ceil(in * scale); guard against 0.25 * 4 style round-off.
    out_h = int(math.ceil(round(h * scale, 9)))
    out_w = int(math.ceil(round(w * scale, 9)))
    m_h = _resize_matrix(h, out_h, scale, antialiasing, padding)
    m_w = _resize_matrix(w, out_w, scale, antialiasing, padding)
    # Rows (dimension 1) first, then columns, as MATLAB does for equal scales.
    out = np.tensordot(m_h, arr, axes=(1, 0))  # (out_h, W[, C])
    if quantize:
        out = _round_uint8(out)
    out = np.moveaxis(np.tensordot(m_w, out, axes=(1, 1)), 0, 1)  # (out_h, out_w[, C])
    if quantize:
        out = _round_uint8(out)
    return np.ascontiguousarray(out)


def _round_uint8(x: np.ndarray) -> np.ndarray:
    """Clip to [0, 255] and round half away from zero (MATLAB double -> uint8), kept as float64."""
    return np.floor(np.clip(x, 0.0, 255.0) + 0.5)


def _imresize_uint8(img: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB `imresize(uint8, scale, 'bicubic')`: uint8 after each of the two passes."""
    _check_uint8(img)
    return _resize(img, scale, antialiasing=True, padding="replicate", quantize=True).astype(np.uint8)


def bicubic_downscale(img: np.ndarray, scale: int) -> np.ndarray:
    """HR uint8 `(H, W[, C])` -> LR uint8 `(H // scale, W // scale[, C])`: modcrop, then MATLAB bicubic 1/scale.

    Bit-exact with MATLAB `imresize(modcrop(im, scale), 1/scale, 'bicubic')` (RCAN's BI degradation).
    """
    return _imresize_uint8(modcrop(img, scale), 1.0 / int(scale))


def bicubic_upscale(img: np.ndarray, scale: int) -> np.ndarray:
    """LR uint8 `(h, w[, C])` -> uint8 `(h * scale, w * scale[, C])` by MATLAB bicubic (the `bicubic` condition)."""
    return _imresize_uint8(img, float(int(scale)))


def _check_uint8(img: np.ndarray) -> None:
    if img.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {img.dtype}")


def degrade_folder(hr_dir: str | Path, out_dir: str | Path, scale: int) -> list[str]:
    """Write `out_dir/<stem>.png` = `bicubic_downscale(HR, scale)` for every image in `hr_dir`; returns the stems."""
    return map_folder(hr_dir, out_dir, lambda path: bicubic_downscale(read_image(path), scale))


def upscale_folder(lr_dir: str | Path, out_dir: str | Path, scale: int) -> list[str]:
    """Write `out_dir/<stem>.png` = `bicubic_upscale(LR, scale)` for every image in `lr_dir`; returns the stems."""
    return map_folder(lr_dir, out_dir, lambda path: bicubic_upscale(read_image(path), scale))


def map_folder(src_dir: str | Path, out_dir: str | Path, fn) -> list[str]:
    """Write `out_dir/<stem>.png` = fn(path) (an (H, W, 3) uint8 image) for every image of `src_dir`; returns the
    stems. ValueError naming the folder when two images share a stem (their outputs would overwrite each other)."""
    paths = list_images(src_dir)
    stems = [p.stem for p in paths]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise ValueError(f"{src_dir}: several images share the stem(s) {dupes}; outputs would overwrite each other")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        write_png(out_dir / f"{path.stem}.png", fn(path))
    return stems
