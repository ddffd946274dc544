"""RCAN's BD and DN degradations, as `RCAN_TestCode/Prepare_TestData_HR_LR.m` makes them.

Source: yulunzhang/RCAN, file RCAN_TestCode/Prepare_TestData_HR_LR.m, commit a57c5ed293b5ad9b64c1895d645f62d9a334fa11
(unchanged up to f722e5d0e1eff45148bfaefd9bc85c6f0f26ce02). Both start from `modcrop(HR, scale)`.

* BD (`imresize_BD`): Gaussian blur `fspecial('gaussian', k, sigma)` with sigma = 1.6, `imfilter(..., 'replicate')`
  on the uint8 image (uint8 result), then subsampling. k = ceil(3 sigma) * 2 + 1 for an odd scale (11 at sigma 1.6)
  except k = 7 for scale 3 with sigma 1.6 (the published BD setting); k = ceil(3 sigma) * 2 + 2 (12) for an even
  scale. Odd scale: `imresize(blur, 1/scale, 'nearest')`, which keeps 1-based rows/columns (s+1)/2, (s+1)/2 + s, ...
  Even scale: rows/columns s/2 : s : end - s/2 (1-based). The script's gpuArray branch keeps s-1 : s : end-1 instead,
  the same as `nearest` only for s = 3; the CPU (`nearest`) branch is followed here.
* DN (`imresize_DN`): uint8 MATLAB bicubic 1/scale (`textsr.degrade.bicubic_downscale`), then in single precision
  `single(LR) + single(sigma * randn(size))` with sigma = 30, then `uint8(...)` (round half away from zero, clip).
  The script reseeds MATLAB's legacy generator (`randn('seed', 0)`) before every test image; MATLAB's normal stream
  is not reproducible in numpy, so the noise comes from the caller's numpy Generator (seeded per image).
"""

from __future__ import annotations

import math

import numpy as np

from textsr.degrade.bicubic import bicubic_downscale, modcrop
from textsr.degrade.kernels import fspecial_gaussian, imfilter_replicate, matlab_uint8

__all__ = ["BD_SIGMA", "DN_SIGMA", "bd_kernel_size", "bd", "dn"]

#: Prepare_TestData_HR_LR.m: `imresize_BD(im_HR, scale, 'Gaussian', 1.6); % sigma=1.6`
BD_SIGMA = 1.6
#: Prepare_TestData_HR_LR.m: `imresize_DN(im_HR, scale, 30); % noise level sigma=30` (grey levels, 0-255)
DN_SIGMA = 30.0


def _integer_scale(scale) -> int:
    if int(scale) != scale or int(scale) < 1:
        raise ValueError(f"RCAN's BD/DN need a positive integer scale, got {scale}")
    return int(scale)


def bd_kernel_size(scale: int, sigma: float = BD_SIGMA) -> int:
    """Blur kernel side of `imresize_BD`: 7 at x3 / sigma 1.6, else ceil(3 sigma) * 2 + (1 if odd scale else 2)."""
    scale = _integer_scale(scale)
    if scale % 2 == 1:
        return 7 if (scale == 3 and sigma == 1.6) else math.ceil(sigma * 3) * 2 + 1
    return math.ceil(sigma * 3) * 2 + 2


def bd(hr: np.ndarray, scale: int, *, rng: np.random.Generator | None = None, sigma: float = BD_SIGMA) -> np.ndarray:
    """RCAN BD: HR uint8 `(H, W[, C])` -> LR uint8 `(H // scale, W // scale[, C])`; deterministic (rng unused).

    sigma: Gaussian standard deviation in HR pixels.
    """
    if hr.dtype != np.uint8:
        raise TypeError(f"bd expects a uint8 image, got {hr.dtype}")
    scale = _integer_scale(scale)
    hr = modcrop(hr, scale)
    blur = imfilter_replicate(hr, fspecial_gaussian(bd_kernel_size(scale, sigma), sigma))
    start = (scale - 1) // 2 if scale % 2 == 1 else scale // 2 - 1  # 0-based first row / column kept
    return np.ascontiguousarray(blur[start::scale, start::scale, ...])


def dn(hr: np.ndarray, scale: int, *, rng: np.random.Generator, sigma: float = DN_SIGMA) -> np.ndarray:
    """RCAN DN: MATLAB bicubic 1/scale, plus N(0, sigma^2) noise (sigma in grey levels); uint8 like the input.

    Arithmetic as the script: the noise is drawn in float64, multiplied by sigma, cast to float32, added to the
    float32 LR, and converted by MATLAB's `uint8` (round half away from zero, saturate; not numpy's astype).
    """
    lr = bicubic_downscale(hr, _integer_scale(scale))
    noise = (sigma * rng.standard_normal(lr.shape)).astype(np.float32)
    return matlab_uint8(lr.astype(np.float32) + noise)
