"""YCbCr as MATLAB's `rgb2ycbcr` / `ycbcr2rgb` (BT.601, studio swing) on torch tensors, for Y-channel networks.

RGB in 0-255: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 (Y in [16, 235]), Cb and Cr in [16, 240] with the
same matrix as `textsr.evaluation.image_metrics.rgb_to_y`. Values are floats, neither rounded nor clipped.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

#: rows: Y, Cb, Cr coefficients per R, G, B (on 0-1 RGB; MATLAB rgb2ycbcr), and the offsets in 0-255 units
_YCBCR = ((65.481, 128.553, 24.966), (-37.797, -74.203, 112.0), (112.0, -93.786, -18.214))
_OFFSET = (16.0, 128.0, 128.0)


def _matrix(like: Tensor) -> tuple[Tensor, Tensor]:
    m = torch.tensor(_YCBCR, dtype=like.dtype, device=like.device) / 255.0
    off = torch.tensor(_OFFSET, dtype=like.dtype, device=like.device).view(1, 3, 1, 1)
    return m, off


def rgb_to_ycbcr(rgb: Tensor) -> Tensor:
    """(B, 3, h, w) RGB 0-255 -> (B, 3, h, w) Y, Cb, Cr in 0-255 units (BT.601 studio swing)."""
    m, off = _matrix(rgb)
    return torch.einsum("ij,bjhw->bihw", m, rgb) + off


def ycbcr_to_rgb(ycc: Tensor) -> Tensor:
    """Inverse of `rgb_to_ycbcr`: (B, 3, h, w) Y, Cb, Cr -> RGB 0-255 (not clamped)."""
    m, off = _matrix(ycc)
    return torch.einsum("ij,bjhw->bihw", torch.linalg.inv(m), ycc - off)


def rgb_to_y(rgb: Tensor) -> Tensor:
    """(B, 3, h, w) RGB 0-255 -> (B, 1, h, w) Y in [16, 235]."""
    return rgb_to_ycbcr(rgb)[:, :1]


def bicubic_upscale_tensor(x: Tensor, scale: int) -> Tensor:
    """(B, C, h, w) float -> (B, C, h*scale, w*scale): MATLAB imresize bicubic (a = -0.5, edge pixels repeated),
    in floating point (no uint8 rounding between the passes)."""
    from textsr.degrade import _resize_matrix

    h, w = x.shape[-2:]
    m_h = torch.from_numpy(_resize_matrix(h, h * scale, float(scale), True, "replicate")).to(x)
    m_w = torch.from_numpy(np.ascontiguousarray(_resize_matrix(w, w * scale, float(scale), True, "replicate").T)).to(x)
    return torch.matmul(torch.matmul(m_h, x), m_w)


def y_to_rgb_with_chroma(y: Tensor, lr_rgb: Tensor, scale: int) -> Tensor:
    """SR luma (B, 1, H, W) 0-255 + the LR image's chroma upscaled by bicubic interpolation -> RGB (B, 3, H, W).

    This is how Y-only SR networks (SRCNN, FSRCNN, PISR) make colour images: Cb and Cr of the LR image
    (B, 3, h, w) RGB 0-255, upscaled x`scale`, with the network's Y.
    """
    chroma = bicubic_upscale_tensor(rgb_to_ycbcr(lr_rgb)[:, 1:], scale)
    return ycbcr_to_rgb(torch.cat([y, chroma], dim=1))
