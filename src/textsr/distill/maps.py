"""Attention-distillation losses on spatial maps: F(A) = sum_c |A_c|^p, AD (normalised-map MSE) and SD
(batch similarity matrices). Shapes: maps (B, 1, h, w), features (B, C, h, w).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor


def attention_map(feature: Tensor, p: float = 2.0) -> Tensor:
    """(B, C, h, w) feature -> (B, 1, h, w) map sum_c |A_c|^p (AT uses the channel mean; normalisation removes C)."""
    if feature.dim() != 4:
        raise ValueError(f"expected a (B, C, h, w) feature, got shape {tuple(feature.shape)}")
    a = feature.abs()
    if p == 2:
        a = a * a
    elif p != 1:
        a = a.pow(p)
    return a.sum(dim=1, keepdim=True)


def resize_map(m: Tensor, size: tuple[int, int]) -> Tensor:
    """(B, 1, h, w) -> (B, 1, *size): bilinear, align_corners=False, antialiased when shrinking (area-like)."""
    if tuple(m.shape[-2:]) == tuple(size):
        return m
    return F.interpolate(m, size=size, mode="bilinear", align_corners=False, antialias=True)


def _as_list(maps: Tensor | Sequence[Tensor]) -> list[Tensor]:
    return [maps] if isinstance(maps, Tensor) else list(maps)


def ad_loss(student_maps: Tensor | Sequence[Tensor], teacher_maps: Tensor | Sequence[Tensor]) -> Tensor:
    """Attention-distillation loss, summed over pairs (paired by position).

    Each map (B, 1, h, w) is flattened per sample and L2-normalised (F.normalize, eps 1e-12); loss per pair =
    mean over B*h*w of (Q_S - Q_T)^2. When sizes differ the TEACHER map is resized to the student's size
    (`resize_map`), so the student's gradient path is unchanged. Magnitude <= 4/(h*w) per pair.
    """
    s_list, t_list = _as_list(student_maps), _as_list(teacher_maps)
    if len(s_list) != len(t_list) or not s_list:
        raise ValueError(f"need as many teacher maps as student maps (>0), got {len(t_list)} and {len(s_list)}")
    total = s_list[0].new_zeros(())
    for s, t in zip(s_list, t_list):
        t = resize_map(t.to(s.dtype), tuple(s.shape[-2:]))
        qs = F.normalize(s.flatten(1), dim=1)
        qt = F.normalize(t.flatten(1), dim=1)
        total = total + (qs - qt).pow(2).mean()
    return total


def similarity_matrix(x: Tensor) -> Tensor:
    """(B, ...) -> (B, B) Gram matrix of the flattened samples, each row L2-normalised (SP, Tung & Mori 2019)."""
    q = x.flatten(1)
    return F.normalize(q @ q.t(), dim=1)


def sd_loss(student: Tensor | Sequence[Tensor], teacher: Tensor | Sequence[Tensor]) -> Tensor:
    """Similarity-distillation loss summed over pairs: ||G_S - G_T||_F^2 / B^2, G = `similarity_matrix`.

    Inputs are (B, ...) maps or features of any per-sample size (only the B x B matrices are compared).
    """
    s_list, t_list = _as_list(student), _as_list(teacher)
    if len(s_list) != len(t_list) or not s_list:
        raise ValueError(f"need as many teacher tensors as student tensors (>0), got {len(t_list)} and {len(s_list)}")
    total = s_list[0].new_zeros(())
    for s, t in zip(s_list, t_list):
        b = s.shape[0]
        total = total + (similarity_matrix(s) - similarity_matrix(t.to(s.dtype))).pow(2).sum() / (b * b)
    return total
