"""FAKD: feature-affinity distillation from an SR teacher (He et al., ICIP 2020).

Facts from the official code, Vincent-Hoo/Knowledge-Distillation-for-Super-resolution @
589d35f750e63209e1213e89c414ac706fe6b9b1:

- `code/feature_transformation.py` `spatial_similarity`: a feature (B, C, h, w) is viewed as (B, C, hw); each
  position's C-vector is divided by its L2 norm plus 1e-8 (eps added to the norm, not under the root); the
  affinity is the (B, hw, hw) matrix of cosine similarities between positions (`bmm` of the transposed normalised
  feature with itself; the official tensor has an extra singleton dimension, which changes no mean).
- `code/loss.py` `FeatureLoss`: per layer pair `nn.L1Loss()` (mean over B * hw * hw elements), summed over the
  pairs; `Loss` weights that sum by w (`--feature_distilation_type 10*SA`: w = 10) and adds
  (1 - alpha) * L1(SR, HR) + alpha * L1(SR, SR_teacher), alpha = 0.5 (`code/scripts/train_rcan_SA_x*.sh`).
- `code/models/rcan.py` `RCAN.forward`: tapped features are after residual group 3 (index 1) and 7 (index 2) and
  at the body tail (index 3); training uses `--features [1,2,3]` (x3: `[2,3]`). The body-tail tensor is appended
  to the list and then `res += x` adds the long skip IN PLACE, so the official index 3 is body_tail(res) + head
  output, i.e. the feature after the long skip, not the bare tail conv.
- `code/scripts/train_rcan_SA_x{2,3,4,8}.sh`: HR patch 96 / 144 / 192 / 384, i.e. a 48 x 48 LR patch at every
  scale; batch 16 (`code/option.py`). Both networks see the same LR input, so all affinities are (hw)^2 with
  h = w = the LR patch side.

Memory grows with (hw)^2 = side^4: `check_affinity_memory` refuses a patch whose affinities do not fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

#: official eps added to each position's L2 norm (feature_transformation.py, spatial_similarity)
AFFINITY_EPS = 1e-8
#: official weights: alpha of the teacher-output term and w of the summed affinity terms (train_rcan_SA_x4.sh)
FAKD_ALPHA = 0.5
FAKD_WEIGHT = 10.0
#: affinity-sized tensors alive at the peak of `fakd_loss` forward + backward besides one per layer pair
PEAK_EXTRA_MATRICES = 3


def spatial_affinity(feature: Tensor) -> Tensor:
    """(B, C, h, w) feature -> (B, hw, hw) cosine similarity between every pair of spatial positions.

    Entry [b, i, j] = <f_i, f_j> / ((|f_i| + 1e-8)(|f_j| + 1e-8)), f_i the C-vector at row-major position i
    (i = y * w + x), as the official `spatial_similarity`. Values in [-1, 1]; a zero vector gives 0.
    """
    if feature.dim() != 4:
        raise ValueError(f"expected a (B, C, h, w) feature, got shape {tuple(feature.shape)}")
    f = feature.flatten(2)  # (B, C, hw)
    f = f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + AFFINITY_EPS)
    return f.transpose(1, 2).bmm(f)


def _pairs(student: Tensor | Sequence[Tensor], teacher: Tensor | Sequence[Tensor]) -> list[tuple[Tensor, Tensor]]:
    s_list = [student] if isinstance(student, Tensor) else list(student)
    t_list = [teacher] if isinstance(teacher, Tensor) else list(teacher)
    if len(s_list) != len(t_list) or not s_list:
        raise ValueError(f"need as many teacher features as student features (>0), got {len(t_list)} and "
                         f"{len(s_list)}")
    for i, (s, t) in enumerate(zip(s_list, t_list)):
        if s.dim() != 4 or t.dim() != 4 or s.shape[0] != t.shape[0] or s.shape[2:] != t.shape[2:]:
            raise ValueError(f"pair {i}: student {tuple(s.shape)} and teacher {tuple(t.shape)} must be (B, C, h, w) "
                             "with the same B, h and w (channels may differ)")
    return list(zip(s_list, t_list))


def fakd_loss(student_features: Tensor | Sequence[Tensor], teacher_features: Tensor | Sequence[Tensor]) -> Tensor:
    """Sum over layer pairs (paired by position) of mean |A_S - A_T|, A = `spatial_affinity`; unweighted.

    Features are (B, C, h, w) at the same h, w for student and teacher (channel counts may differ). The teacher
    is detached (the official teacher has requires_grad False). Each pair's term lies in [0, 2]. The official
    objective is (1 - FAKD_ALPHA) L1(SR, HR) + FAKD_ALPHA L1(SR, SR_T) + FAKD_WEIGHT * fakd_loss.
    """
    total = None
    for s, t in _pairs(student_features, teacher_features):
        with torch.no_grad():
            a_t = spatial_affinity(t.detach().to(s.dtype))
        term = (spatial_affinity(s) - a_t).abs().mean()
        del a_t
        total = term if total is None else total + term
    return total


def affinity_bytes(patch_size: int, batch_size: int, n_layers: int, dtype_bytes: int = 4) -> int:
    """Peak bytes of the affinity matrices in one `fakd_loss` forward + backward, LR patch `patch_size` squared.

    One matrix is batch_size * (patch_size^2)^2 * dtype_bytes; the peak is (n_layers + PEAK_EXTRA_MATRICES)
    matrices. Forward keeps one per layer pair (the difference A_S - A_T, saved for the backward of |.|) and at
    the last pair holds 2 more (the teacher's affinity, then |A_S - A_T|); backward adds a third (the gradient
    times sign(A_S - A_T) and its copies). Measured here (PyTorch 2.13 CPU, peak RSS with glibc's mmap threshold
    at 64 KiB, n_layers 1 to 5, B 1 to 4, sides 32 to 48): forward n + 2.0, forward + backward n + 3.0 matrices,
    within 0.1. Features, weights and the networks' activations are not included.
    """
    for name, v in (("patch_size", patch_size), ("batch_size", batch_size), ("n_layers", n_layers),
                    ("dtype_bytes", dtype_bytes)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    n = int(patch_size) ** 2
    return (int(n_layers) + PEAK_EXTRA_MATRICES) * int(batch_size) * n * n * int(dtype_bytes)


def check_affinity_memory(lr_patch_size: int, batch_size: int, n_layers: int, limit_bytes: int,
                          dtype_bytes: int = 4) -> int:
    """Raise ValueError when `affinity_bytes` exceeds `limit_bytes` (call at training start-up); returns the bytes.

    The message names the LR patch size, the bytes needed and the limit, and the largest LR patch side that fits
    with this batch size and layer count.
    """
    need = affinity_bytes(lr_patch_size, batch_size, n_layers, dtype_bytes)
    if need <= limit_bytes:
        return need
    fits = 0
    while affinity_bytes(fits + 1, batch_size, n_layers, dtype_bytes) <= limit_bytes:
        fits += 1
    hint = (f"use an LR patch_size of at most {fits} px" if fits else
            "no LR patch size fits: lower the batch size or the number of layers")
    raise ValueError(
        f"FAKD: an LR patch of {lr_patch_size}x{lr_patch_size} px gives a {lr_patch_size ** 2}x{lr_patch_size ** 2} "
        f"spatial affinity per image and layer; batch {batch_size} x {n_layers} layer(s) need about "
        f"{need / 2 ** 30:.2f} GiB ({need} bytes) for the affinities (forward and backward), over the limit of "
        f"{limit_bytes / 2 ** 30:.2f} GiB ({limit_bytes} bytes). Memory grows with the 4th power of the patch side: "
        f"{hint} (train.patch_size), or lower train.batch_size or the number of FAKD layers, or raise the memory limit."
    )
