"""PISR (Lee et al., ECCV 2020): the teacher's loss terms and the student's VID (variational information
distillation) loss.

Facts from the official code, cvlab-yonsei/PISR @ f66b9799dd0f6d90698b0da8bc47d405eed42103:

- `models/vid_module.py`: for a distilled layer with C output channels, a mean head and a variance head, each
  Conv1x1(C -> C) + PReLU (one shared slope, PyTorch default init) + Conv1x1(C -> C_out), default init; the
  variance head ends in Softplus. C_out and pooling by the homoscedasticity option: "None" (every element its
  own variance: C_out = C, the PISR config), "C" (C_out = C, then global average pool: one per channel), "HW"
  (C_out = 1: one per position), "CHW" (C_out = 1, pooled: one per layer). The mean head's C_out is C.
- `losses/loss_factory.py` `vid_loss`: with s = the variance head's output, Laplace: b = 0.1 s + eps,
  loss = C ln(2 pi) / 2 + ln(2 b) + |mu - t| / b; Gaussian: v = 0.001 s + eps, loss = C ln(2 pi) / 2 + ln(v) / 2 +
  (mu - t)^2 / (2 v); eps = 1e-8; `.mean()` over all elements (terms broadcast to (B, C, h, w)); summed over
  layers; total = lambda1 L1(SR, HR) + lambda2 VID with lambda1 = 1, lambda2 = 1e-6, pdf laplace
  (`configs/fsrcnn/step2.yml`; `vid_info: expanding:None`, i.e. the output of FSRCNN's expanding layer,
  Conv1x1 12 -> 56 + PReLU, 56 channels at LR resolution). The teacher is run in eval mode; its feature t is not
  detached there, but no teacher parameter is in the optimizer and the teacher sees HR, so no gradient reaches
  the student through t: detaching it here changes nothing.
- `losses/loss_factory.py` `teacher_LR_constraint_loss` (step 1): L1(decoder(enc(HR)), HR) + lambda2 L1(enc(HR), LR)
  with lambda2 = 1e-4 (`configs/fsrcnn/step1.yml`), both L1 means. LR is the dataset's LR patch, the one the
  student sees: DIV2K's released `DIV2K_train_LR_bicubic/X{s}` PNG (MATLAB bicubic, uint8), cropped in register
  with the HR patch (`datasets/data_utils.py` `get_patch`), at LR resolution (HR side / scale, the encoder's
  output size). Images are Y only: skimage `rgb2ycbcr(img)[..., 0]` (BT.601 studio swing, Y in [16, 235],
  float, not rounded) times rgb_range / 255 with rgb_range 1 (`configs/fsrcnn/base.ram.yml`,
  `datasets/data_utils.py` `set_channel`, `np2Tensor`): values in [16/255, 235/255].
- `models/fsrcnn.py` `FSRCNNStudent`: the heads live in the student (`vid_module_dict.<layer>_mean` /
  `_var`), are trained by the student's optimizer and saved in its checkpoint.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping

import torch.nn.functional as F
from torch import Tensor, nn

#: official eps added to the scaled Softplus output (loss_factory.py, vid_loss)
VID_EPS = 1e-8
#: official scale of the Softplus output per pdf: Laplace b = 0.1 s + eps, Gaussian variance = 0.001 s + eps
VID_SCALE = {"laplace": 0.1, "gaussian": 0.001}
#: official weights: VID 1e-6 (step2.yml lambda2), imitation 1e-4 (step1.yml lambda2)
VID_WEIGHT = 1e-6
IMITATION_WEIGHT = 1e-4
#: homoscedasticity option -> (variance channels = C or 1, global average pool), vid_module.py
HOMOSCEDASTICITY = {"None": ("C", False), "C": ("C", True), "HW": (1, False), "CHW": (1, True)}


def _adaptation_head(in_channels: int, out_channels: int, pool: bool) -> nn.Sequential:
    """Conv1x1(in -> in) + PReLU + Conv1x1(in -> out) [+ global average pool as module '4'], official names."""
    layers = [("0", nn.Conv2d(in_channels, in_channels, 1)), ("1", nn.PReLU()),
              ("2", nn.Conv2d(in_channels, out_channels, 1))]
    if pool:
        layers.append(("4", nn.AdaptiveAvgPool2d(1)))
    return nn.Sequential(OrderedDict(layers))


class VIDLoss(nn.Module):
    """VID loss of one distilled layer: heads on the student feature, negative log-likelihood of the teacher's.

    in_channels: C of the student feature (B, C, h, w); the teacher feature must be (B, C, h, w) too (PISR:
    the same FSRCNN layer in both). `mean`: C -> C -> C; `var`: C -> C -> C (or 1) [-> pool] -> Softplus, as
    `homoscedasticity` ("None" as PISR, or "C", "HW", "CHW"); pdf "laplace" (PISR) or "gaussian".
    `forward(student_feature, teacher_feature)` -> scalar, unweighted (the caller multiplies by VID_WEIGHT);
    with C = 56 its constant alone is 56 ln(2 pi) / 2 = 51.46 and ln(2b) can be very negative, so the value is
    large and of either sign.

    Parameters: train them with the student (add `parameters()` to the student's optimizer, keep them in the
    training checkpoint for resuming), but they are not part of the student's model file: inference never uses
    them. `state_dict()` keys are the official ones without the `vid_module_dict.<layer>_` prefix
    (`mean.0.weight`, `var.2.bias`, ...); `official_vid_state_dict` converts a PISR student checkpoint's keys.
    """

    def __init__(self, in_channels: int, homoscedasticity: str = "None", pdf: str = "laplace",
                 eps: float = VID_EPS) -> None:
        super().__init__()
        if homoscedasticity not in HOMOSCEDASTICITY:
            raise ValueError(f"VID homoscedasticity {homoscedasticity!r}: known are {list(HOMOSCEDASTICITY)}")
        if pdf not in VID_SCALE:
            raise ValueError(f"VID pdf {pdf!r}: known are {list(VID_SCALE)}")
        var_channels, pool = HOMOSCEDASTICITY[homoscedasticity]
        self.in_channels = int(in_channels)
        self.homoscedasticity = homoscedasticity
        self.pdf = pdf
        self.eps = float(eps)
        self.mean = _adaptation_head(self.in_channels, self.in_channels, False)
        self.var = _adaptation_head(self.in_channels, self.in_channels if var_channels == "C" else 1, pool)
        self.var.add_module(str(len(self.var) + 1), nn.Softplus())  # official name: '4' ('5' after a pool)

    def heads(self, student_feature: Tensor) -> tuple[Tensor, Tensor]:
        """(B, C, h, w) -> mu (B, C, h, w) and the scale b (Laplace) or variance (Gaussian), eps included,
        shaped as the homoscedasticity option: (B, C, h, w), (B, C, 1, 1), (B, 1, h, w) or (B, 1, 1, 1)."""
        if student_feature.dim() != 4 or student_feature.shape[1] != self.in_channels:
            raise ValueError(f"VID: expected a (B, {self.in_channels}, h, w) student feature, got "
                             f"{tuple(student_feature.shape)}")
        return self.mean(student_feature), self.var(student_feature) * VID_SCALE[self.pdf] + self.eps

    def forward(self, student_feature: Tensor, teacher_feature: Tensor) -> Tensor:
        mu, b = self.heads(student_feature)
        t = teacher_feature.detach().to(mu.dtype)
        if t.shape != mu.shape:
            raise ValueError(f"VID: teacher feature {tuple(t.shape)} must have the student's shape {tuple(mu.shape)}")
        const = mu.shape[1] * math.log(2 * math.pi) / 2
        if self.pdf == "laplace":
            nll = const + (2 * b).log() + (mu - t).abs() / b
        else:
            nll = const + b.log() / 2 + (mu - t).pow(2) / (2 * b)
        return nll.mean()


def official_vid_state_dict(state_dict: Mapping[str, Tensor], layer: str = "expanding") -> dict[str, Tensor]:
    """A PISR student checkpoint's `state_dict` -> the `VIDLoss` state dict of `layer` (load it strictly).

    Keys `vid_module_dict.<layer>_mean.*` / `vid_module_dict.<layer>_var.*` become `mean.*` / `var.*`.
    """
    out = {}
    for key, value in state_dict.items():
        for head in ("mean", "var"):
            prefix = f"vid_module_dict.{layer}_{head}."
            if key.startswith(prefix):
                out[f"{head}.{key[len(prefix):]}"] = value
    if not out:
        layers = sorted({k.split(".")[1].rsplit("_", 1)[0] for k in state_dict if k.startswith("vid_module_dict.")})
        raise ValueError(f"no VID heads of layer {layer!r} in the state dict (VID layers there: {layers})")
    return out


def imitation_loss(encoded: Tensor, lr_target: Tensor) -> Tensor:
    """PISR's imitation (LR constraint) term: mean |enc(HR) - LR|, unweighted.

    encoded: (B, 1, H/s, W/s), the teacher encoder's output; lr_target: the LR patch in register with the HR
    patch, same shape, Y in [16/255, 235/255] as the network's input (see the module docstring).
    """
    if encoded.shape != lr_target.shape:
        raise ValueError(f"PISR imitation: encoder output {tuple(encoded.shape)} and LR target "
                         f"{tuple(lr_target.shape)} must have the same shape")
    return F.l1_loss(encoded, lr_target)


def pisr_teacher_loss(sr: Tensor, hr: Tensor, encoded: Tensor, lr_bicubic_target: Tensor,
                      lam: float = IMITATION_WEIGHT) -> Tensor:
    """PISR step 1 (teacher): mean |SR - HR| + lam * mean |enc(HR) - LR|, lam = 1e-4 as official.

    sr, hr: (B, 1, H, W) Y in [0, 1] units (Y / 255); encoded, lr_bicubic_target: (B, 1, H/s, W/s), same units.
    """
    if sr.shape != hr.shape:
        raise ValueError(f"PISR teacher: SR {tuple(sr.shape)} and HR {tuple(hr.shape)} must have the same shape")
    return F.l1_loss(sr, hr) + lam * imitation_loss(encoded, lr_bicubic_target)
