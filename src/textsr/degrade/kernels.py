"""Blur kernels and 2-D filtering for the degradations: MATLAB's (RCAN's BD) and Real-ESRGAN's.

MATLAB side (`fspecial_gaussian`, `imfilter_replicate`), as used by RCAN's `Prepare_TestData_HR_LR.m`.
Real-ESRGAN side (`random_blur_kernel`, `sinc_kernel`, `filter2d_reflect`): the kernel families of BasicSR's
`basicsr/data/degradations.py` (isotropic / anisotropic Gaussian, generalized Gaussian, plateau, circular sinc) drawn
as `realesrgan/data/realesrgan_dataset.py` draws them, and BasicSR's `filter2D` (reflect padding, correlation).
Kernels are `(k, k)` float64 arrays that sum to 1; row index = vertical offset, column index = horizontal offset.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage, signal, special

__all__ = [
    "KERNEL_TYPES",
    "fspecial_gaussian",
    "imfilter_replicate",
    "matlab_uint8",
    "gaussian_kernel",
    "generalized_gaussian_kernel",
    "plateau_kernel",
    "sinc_kernel",
    "random_blur_kernel",
    "filter2d_reflect",
]

KERNEL_TYPES = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")


# ------------------------------------------------------------------------------------------------ MATLAB (RCAN BD)
def fspecial_gaussian(size: int, sigma: float) -> np.ndarray:
    """MATLAB `fspecial('gaussian', size, sigma)`: `(size, size)`, sums to 1.

    Grid -(size-1)/2 .. (size-1)/2 in both axes (half-integers for an even size), h = exp(-(x^2+y^2) / (2 sigma^2)),
    values below eps * max set to 0 (as MATLAB), then normalised.
    """
    size = int(size)
    if size < 1 or sigma <= 0:
        raise ValueError(f"fspecial_gaussian needs size >= 1 and sigma > 0, got {size}, {sigma}")
    ax = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    h = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2.0 * sigma * sigma))
    h[h < np.finfo(np.float64).eps * h.max()] = 0.0
    return h / h.sum()


def matlab_uint8(x: np.ndarray) -> np.ndarray:
    """MATLAB `uint8(x)` of a float array: round half away from zero, saturate to 0-255.

    numpy's `np.round` rounds half to even and `astype(np.uint8)` truncates and wraps: neither is MATLAB's.
    """
    x = np.asarray(x, dtype=np.float64)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).clip(0, 255).astype(np.uint8)


def imfilter_replicate(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """MATLAB `imfilter(img, kernel, 'replicate')` for a uint8 `(H, W[, C])` image: uint8 of the same shape.

    imfilter correlates (no kernel flip) with the kernel origin at `floor((size + 1) / 2)` (1-based), so an even
    `k`-tap kernel reaches k/2 - 1 pixels before and k/2 after the output pixel; borders repeat the edge pixel;
    channels are filtered independently; the uint8 result is rounded half away from zero and saturated.
    Computed in float64. Deviation: MATLAB may accumulate in single precision internally (IPP), which could move a
    sum lying within ~1e-5 of a .5 boundary to the other integer; not checked against MATLAB here.
    """
    if img.dtype != np.uint8:
        raise TypeError(f"imfilter_replicate expects uint8, got {img.dtype}")
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    # 0-based origin (kh - 1) // 2 == MATLAB's floor((kh + 1) / 2) - 1; ndimage's origin counts from the centre
    # kh // 2, so origin = (kh - 1) // 2 - kh // 2 (0 for odd, -1 for even sizes).
    origin = ((kh - 1) // 2 - kh // 2, (kw - 1) // 2 - kw // 2)
    src = img.astype(np.float64)
    if src.ndim == 2:
        out = ndimage.correlate(src, kernel, mode="nearest", origin=origin)
    else:
        out = np.stack(
            [ndimage.correlate(src[..., c], kernel, mode="nearest", origin=origin) for c in range(src.shape[2])],
            axis=2,
        )
    return matlab_uint8(out)


# -------------------------------------------------------------------------------------------- Real-ESRGAN kernels
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets x (column) and y (row), each `(size, size)`, -(size-1)/2 .. (size-1)/2 (BasicSR `mesh_grid`)."""
    if size % 2 != 1:
        raise ValueError(f"Real-ESRGAN kernels have an odd size, got {size}")
    ax = np.arange(size, dtype=np.float64) - (size - 1) // 2
    return np.meshgrid(ax, ax)


def _quadratic_form(size: int, sig_x: float, sig_y: float, theta: float) -> np.ndarray:
    """(x, y) Sigma^-1 (x, y)^T with Sigma = R diag(sig_x^2, sig_y^2) R^T, R the rotation by theta (radians)."""
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    inv = np.linalg.inv(rot @ np.diag([sig_x**2, sig_y**2]) @ rot.T)
    xx, yy = _grid(size)
    return inv[0, 0] * xx * xx + (inv[0, 1] + inv[1, 0]) * xx * yy + inv[1, 1] * yy * yy


def gaussian_kernel(size: int, sig_x: float, sig_y: float, theta: float) -> np.ndarray:
    """Anisotropic Gaussian exp(-q/2), q the quadratic form above; isotropic when sig_x == sig_y."""
    k = np.exp(-0.5 * _quadratic_form(size, sig_x, sig_y, theta))
    return k / k.sum()


def generalized_gaussian_kernel(size: int, sig_x: float, sig_y: float, theta: float, beta: float) -> np.ndarray:
    """Generalized Gaussian exp(-q^beta / 2) (beta = 1: Gaussian)."""
    k = np.exp(-0.5 * np.power(_quadratic_form(size, sig_x, sig_y, theta), beta))
    return k / k.sum()


def plateau_kernel(size: int, sig_x: float, sig_y: float, theta: float, beta: float) -> np.ndarray:
    """Plateau-shaped kernel 1 / (1 + q^beta)."""
    k = 1.0 / (np.power(_quadratic_form(size, sig_x, sig_y, theta), beta) + 1.0)
    return k / k.sum()


def sinc_kernel(cutoff: float, size: int) -> np.ndarray:
    """Circularly symmetric low-pass ("sinc") kernel: cutoff * J1(cutoff r) / (2 pi r), centre cutoff^2 / (4 pi).

    cutoff in radians per pixel (pi = Nyquist); odd `size`.
    """
    xx, yy = _grid(size)
    r = np.hypot(xx, yy)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = cutoff * special.j1(cutoff * r) / (2.0 * np.pi * r)
    c = (size - 1) // 2
    k[c, c] = cutoff**2 / (4.0 * np.pi)
    return k / k.sum()


def _beta(rng: np.random.Generator, beta_range) -> float:
    """BasicSR: with probability 1/2 beta ~ U(lo, 1), else U(1, hi)."""
    return rng.uniform(beta_range[0], 1.0) if rng.uniform() < 0.5 else rng.uniform(1.0, beta_range[1])


def random_blur_kernel(
    rng: np.random.Generator, *, kernel_list, kernel_prob, sigma_range, betag_range, betap_range, sinc_prob,
    sizes=tuple(range(7, 22, 2)),
) -> np.ndarray:
    """One blur kernel as `RealESRGANDataset.__getitem__` draws kernel1 / kernel2: `(k, k)`, k odd in `sizes`.

    k ~ uniform over `sizes` (7..21). With probability `sinc_prob` a sinc kernel with cutoff ~ U(pi/3, pi) for k < 13,
    U(pi/5, pi) otherwise; else a type from `kernel_list` with probabilities `kernel_prob`, sigma_x (and for the
    anisotropic types sigma_y, both) ~ U(sigma_range), rotation ~ U(-pi, pi), and beta from betag_range
    (generalized) or betap_range (plateau). The original pads the kernel to 21 x 21 with zeros, which changes
    nothing under `filter2d_reflect`, so the kernel is returned unpadded.
    """
    size = int(rng.choice(np.asarray(sizes)))
    if rng.uniform() < sinc_prob:
        return sinc_kernel(rng.uniform(np.pi / 3 if size < 13 else np.pi / 5, np.pi), size)
    if len(kernel_list) != len(kernel_prob) or any(t not in KERNEL_TYPES for t in kernel_list):
        raise ValueError(f"kernel_list must name types of {KERNEL_TYPES}, one probability each; got {kernel_list}")
    p = np.asarray(kernel_prob, dtype=np.float64)
    kind = kernel_list[int(rng.choice(len(kernel_list), p=p / p.sum()))]
    sig_x = rng.uniform(*sigma_range)
    if kind.endswith("aniso"):
        sig_y, theta = rng.uniform(*sigma_range), rng.uniform(-np.pi, np.pi)
    else:
        sig_y, theta = sig_x, 0.0
    if kind.startswith("generalized"):
        return generalized_gaussian_kernel(size, sig_x, sig_y, theta, _beta(rng, betag_range))
    if kind.startswith("plateau"):
        return plateau_kernel(size, sig_x, sig_y, theta, _beta(rng, betap_range))
    return gaussian_kernel(size, sig_x, sig_y, theta)


def filter2d_reflect(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """BasicSR `filter2D`: float `(H, W[, C])` correlated with an odd `(k, k)` kernel, reflect-101 padding.

    torch's `F.pad(mode='reflect')` (d c b | a b c d | c b a) is numpy's mode "reflect". Computed by FFT (float64;
    differs from direct summation by ~1e-15). torch fails when the pad k // 2 is not smaller than the image side;
    numpy keeps reflecting, so small images are accepted here.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    k = kernel.shape[0]
    if k % 2 != 1 or kernel.shape != (k, k):
        raise ValueError(f"filter2d_reflect needs an odd square kernel, got {kernel.shape}")
    p = k // 2
    pad = ((p, p), (p, p)) + ((0, 0),) * (img.ndim - 2)
    flipped = kernel[::-1, ::-1].reshape((k, k) + (1,) * (img.ndim - 2))  # correlation = convolution, flipped
    return signal.fftconvolve(np.pad(img, pad, mode="reflect"), flipped, mode="valid", axes=(0, 1))
