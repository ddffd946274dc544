"""SRKD: distillation of channel-wise feature statistics (Gao, Zhao, Li, Tong, "Image Super-Resolution Using
Knowledge Distillation", ACCV 2018).

No official code exists (none was found in the stored corpus or by search; reference/methods.md section 4.1).
What is implemented is the method as methods.md section 4.1 recalls it, with its "[R], to be verified" status:
the teacher is a deep or wide SR network, the student a shallow or thin one; at chosen intermediate layers each
feature (B, C, h, w) is summarised across channels into per-position statistic maps, first order (mean) and
second order (standard deviation), and the student's maps are pulled to the teacher's with an L2 loss, added to
the reconstruction loss. Assumptions made here, each a choice rather than a fact from the paper:

- statistics are taken over the channel axis at each position (so teacher and student widths may differ), which
  ones is a config option (`stats`, any of `STATISTICS`), default ("mean", "std");
- the standard deviation is the population (biased, divide by C) one, sqrt(mean_c (x_c - mean)^2 + 1e-12): the C
  values at a position are the whole population being described, not a sample; it is defined for C = 1; and an
  unbiased estimate would scale teacher and student maps by different factors sqrt(C / (C - 1)) when their
  widths differ. The 1e-12 keeps the gradient finite where all channels are equal (0 there);
- the L2 loss is the mean squared error over B * k * h * w (k = number of statistics), summed over layer pairs;
  its weight is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

#: statistic maps `feature_statistics` knows, computed across channels at each position
STATISTICS = ("mean", "std", "var")
#: added to the variance under the square root of "std" (finite gradient where all channels are equal)
STD_EPS = 1e-12


def check_statistics(stats: Sequence[str]) -> tuple[str, ...]:
    """Validate a config's list of statistics; returns it as a tuple. Unknown or repeated names, or none, raise."""
    if isinstance(stats, str) or not tuple(stats):
        raise ValueError(f"SRKD statistics: give a non-empty list of {list(STATISTICS)}, got {stats!r}")
    stats = tuple(stats)
    unknown = [s for s in stats if s not in STATISTICS]
    if unknown:
        raise ValueError(f"SRKD statistics: unknown {unknown}; known are {list(STATISTICS)}")
    if len(set(stats)) != len(stats):
        raise ValueError(f"SRKD statistics: each may appear once, got {list(stats)}")
    return stats


def feature_statistics(feature: Tensor, stats: Sequence[str] = ("mean", "std")) -> Tensor:
    """(B, C, h, w) feature -> (B, k, h, w) statistic maps across channels, one per name in `stats`, in that order.

    "mean": mean_c x_c; "var": mean_c (x_c - mean)^2 (population variance); "std": sqrt(var + 1e-12).
    Units are the feature's (var: squared).
    """
    if isinstance(stats, str):
        stats = (stats,)
    stats = check_statistics(stats)
    if feature.dim() != 4:
        raise ValueError(f"expected a (B, C, h, w) feature, got shape {tuple(feature.shape)}")
    mean = feature.mean(dim=1, keepdim=True)
    var = (feature - mean).pow(2).mean(dim=1, keepdim=True) if ("var" in stats or "std" in stats) else None
    maps = {"mean": mean, "var": var, "std": None if var is None else torch.sqrt(var + STD_EPS)}
    return torch.cat([maps[s] for s in stats], dim=1)


def srkd_loss(student_features: Tensor | Sequence[Tensor], teacher_features: Tensor | Sequence[Tensor],
              stats: Sequence[str] = ("mean", "std")) -> Tensor:
    """Sum over layer pairs (paired by position) of MSE(stat maps of student, stat maps of teacher); unweighted.

    Features (B, C, h, w), same B, h, w for student and teacher (C may differ); the teacher is detached.
    """
    stats = check_statistics((stats,) if isinstance(stats, str) else stats)
    s_list = [student_features] if isinstance(student_features, Tensor) else list(student_features)
    t_list = [teacher_features] if isinstance(teacher_features, Tensor) else list(teacher_features)
    if len(s_list) != len(t_list) or not s_list:
        raise ValueError(f"need as many teacher features as student features (>0), got {len(t_list)} and "
                         f"{len(s_list)}")
    total = None
    for i, (s, t) in enumerate(zip(s_list, t_list)):
        if s.dim() != 4 or t.dim() != 4 or s.shape[0] != t.shape[0] or s.shape[2:] != t.shape[2:]:
            raise ValueError(f"pair {i}: student {tuple(s.shape)} and teacher {tuple(t.shape)} must be (B, C, h, w) "
                             "with the same B, h and w (channels may differ)")
        with torch.no_grad():
            m_t = feature_statistics(t.detach().to(s.dtype), stats)
        term = F.mse_loss(feature_statistics(s, stats), m_t)
        total = term if total is None else total + term
    return total
