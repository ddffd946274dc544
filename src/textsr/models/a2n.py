"""A2N (Chen, Gu, Zhang, "Attention in Attention Network for Image Super-Resolution", arXiv 2104.09497) with the
official module layout, so `state_dict()` keys equal the released `aan_x{2,3,4}.pt`'s.

Official code: haoyuc/A2N @ 210b38cbe721f0283aa5ad20c98373c5822f917a, `code/model/aan.py` (classes AAN, AAB,
AttentionBranch, PA). Fixed there: in/out 3 channels, nf 40, unf 24, 16 AABs, ADM reduction 4, K = 2 branches,
softmax temperature t = 30; input and output RGB in 0-255 (EDSR framework, `--rgb_range 255`, no MeanShift).
Parameters: 1,036,443 at x2 and x3, 1,047,459 at x4 (methods.md 5.2).

Keys (nb = 16): `conv_first.*`, `AAB_trunk.{i}.{conv_first, conv_last, ADM.0, ADM.2, non_attention}.weight`,
`AAB_trunk.{i}.attention.{k1, k3, k4}.weight`, `AAB_trunk.{i}.attention.k2.{weight,bias}`, `trunk_conv.*`,
`upconv1.*`, `att1.conv.*`, `HRconv1.*`, x4 only: `upconv2.*`, `att2.conv.*`, `HRconv2.*`; `conv_last.*`.

The x2 and x3 files have identical keys and shapes (the nearest-neighbour upsampling before `upconv1` carries the
factor), so `kwargs_from_state_dict` cannot tell them apart: it leaves `scale` out unless `upconv2` is present.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textsr.models.base import SRNetwork

#: LeakyReLU slope used throughout A2N
LRELU_SLOPE = 0.2


class PA(nn.Module):
    """Pixel attention: x * sigmoid(1x1 conv(x)); keys `conv.*`. (B, C, h, w) -> (B, C, h, w)."""

    def __init__(self, nf: int):
        super().__init__()
        self.conv = nn.Conv2d(nf, nf, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        return torch.mul(x, self.sigmoid(self.conv(x)))


class AttentionBranch(nn.Module):
    """k4(k3(x) * sigmoid(k2(lrelu(k1(x))))): k1, k3, k4 k x k without bias, k2 1x1 with bias."""

    def __init__(self, nf: int, k_size: int = 3):
        super().__init__()
        pad = (k_size - 1) // 2
        self.k1 = nn.Conv2d(nf, nf, kernel_size=k_size, padding=pad, bias=False)
        self.lrelu = nn.LeakyReLU(negative_slope=LRELU_SLOPE, inplace=True)
        self.k2 = nn.Conv2d(nf, nf, 1)
        self.sigmoid = nn.Sigmoid()
        self.k3 = nn.Conv2d(nf, nf, kernel_size=k_size, padding=pad, bias=False)
        self.k4 = nn.Conv2d(nf, nf, kernel_size=k_size, padding=pad, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        y = self.sigmoid(self.k2(self.lrelu(self.k1(x))))
        return self.k4(torch.mul(self.k3(x), y))


class AAB(nn.Module):
    """Attention-in-attention block: x + conv_last(lrelu(w_a * attention(h) + w_n * non_attention(h))),
    h = lrelu(conv_first(x)), (w_a, w_n) = softmax(ADM(avgpool(h)) / t) per sample (attention dropout module).

    non_attention: k x k conv without bias, 3 for A2N (the released models), 1 for A2N-M.
    x: (B, nf, h, w) -> (B, nf, h, w).
    """

    def __init__(self, nf: int, reduction: int = 4, K: int = 2, t: float = 30.0, non_attention_kernel: int = 3):
        super().__init__()
        self.t = t
        self.K = K
        self.conv_first = nn.Conv2d(nf, nf, kernel_size=1, bias=False)
        self.conv_last = nn.Conv2d(nf, nf, kernel_size=1, bias=False)
        self.lrelu = nn.LeakyReLU(negative_slope=LRELU_SLOPE, inplace=True)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.ADM = nn.Sequential(
            nn.Linear(nf, nf // reduction, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(nf // reduction, K, bias=False),
        )
        self.attention = AttentionBranch(nf)
        k = non_attention_kernel
        self.non_attention = nn.Conv2d(nf, nf, kernel_size=k, padding=(k - 1) // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        residual = x
        b, c = x.shape[:2]
        x = self.lrelu(self.conv_first(x))
        ax = F.softmax(self.ADM(self.avg_pool(x).view(b, c)) / self.t, dim=1)
        x = self.attention(x) * ax[:, 0].view(b, 1, 1, 1) + self.non_attention(x) * ax[:, 1].view(b, 1, 1, 1)
        out = self.conv_last(self.lrelu(x))
        return out + residual


class A2N(SRNetwork):
    """Attention in attention network (official class `AAN`).

    x: (B, 3, h, w) RGB 0-255 -> (B, 3, h*scale, w*scale) RGB 0-255 (not clamped); scale 2, 3 or 4.
    conv_first -> nb AABs -> trunk_conv, + conv_first output; per x2 (x4: twice) or x3 step: nearest upsampling ->
    upconv -> PA -> LReLU -> HRconv -> LReLU; conv_last (unf -> 3) + bilinear (align_corners False) upsampling
    of the input.
    Places: "conv_first", "AAB0" .. "AAB{nb-1}" (after each AAB), "trunk_conv" (before the trunk's skip).
    """

    def __init__(self, *, scale: int = 4, nf: int = 40, unf: int = 24, nb: int = 16, reduction: int = 4,
                 t: float = 30.0, non_attention_kernel: int = 3):
        super().__init__()
        if int(scale) not in (2, 3, 4):
            raise ValueError(f"A2N supports scales 2, 3 and 4 (as the official code), not {scale}")
        if int(non_attention_kernel) not in (1, 3):
            raise ValueError(f"non_attention_kernel is 3 (A2N) or 1 (A2N-M), not {non_attention_kernel}")
        self.scale = int(scale)
        self.nf, self.unf, self.nb, self.reduction = int(nf), int(unf), int(nb), int(reduction)
        self.t = float(t)
        self.non_attention_kernel = int(non_attention_kernel)
        self.conv_first = nn.Conv2d(3, self.nf, 3, 1, 1, bias=True)
        self.AAB_trunk = nn.Sequential(*[
            AAB(self.nf, self.reduction, 2, self.t, self.non_attention_kernel) for _ in range(self.nb)
        ])
        self.trunk_conv = nn.Conv2d(self.nf, self.nf, 3, 1, 1, bias=True)
        self.upconv1 = nn.Conv2d(self.nf, self.unf, 3, 1, 1, bias=True)
        self.att1 = PA(self.unf)
        self.HRconv1 = nn.Conv2d(self.unf, self.unf, 3, 1, 1, bias=True)
        if self.scale == 4:
            self.upconv2 = nn.Conv2d(self.unf, self.unf, 3, 1, 1, bias=True)
            self.att2 = PA(self.unf)
            self.HRconv2 = nn.Conv2d(self.unf, self.unf, 3, 1, 1, bias=True)
        self.conv_last = nn.Conv2d(self.unf, 3, 3, 1, 1, bias=True)
        self.lrelu = nn.LeakyReLU(negative_slope=LRELU_SLOPE, inplace=True)

    def places(self) -> tuple[str, ...]:
        return ("conv_first", *self.block_places(), "trunk_conv")

    def block_places(self) -> tuple[str, ...]:
        return tuple(f"AAB{i}" for i in range(self.nb))

    def forward(self, x: Tensor) -> Tensor:
        fea = self.place("conv_first", self.conv_first(x))
        h = fea
        for i, block in enumerate(self.AAB_trunk):
            h = self.place(f"AAB{i}", block(h))
        fea = fea + self.place("trunk_conv", self.trunk_conv(h))
        steps = [(2, self.upconv1, self.att1, self.HRconv1), (2, self.upconv2, self.att2, self.HRconv2)] \
            if self.scale == 4 else [(self.scale, self.upconv1, self.att1, self.HRconv1)]
        for factor, upconv, att, hrconv in steps:
            fea = upconv(F.interpolate(fea, scale_factor=factor, mode="nearest"))
            fea = self.lrelu(att(fea))
            fea = self.lrelu(hrconv(fea))
        out = self.conv_last(fea)
        return out + F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)

    def config(self) -> dict:
        return {"scale": self.scale, "nf": self.nf, "unf": self.unf, "nb": self.nb, "reduction": self.reduction,
                "t": self.t, "non_attention_kernel": self.non_attention_kernel}

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """Sizes from the official keys: nf from `conv_first`, unf from `upconv1`, AABs counted, reduction from
        `ADM.0`, the non-attention kernel from its weight; scale 4 when `upconv2` is present, else left out (x2 and
        x3 files are identical in shape: the caller supplies the scale). t is not in the weights (30)."""
        needed = ("conv_first.weight", "AAB_trunk.0.conv_first.weight", "AAB_trunk.0.ADM.0.weight",
                  "AAB_trunk.0.attention.k1.weight", "AAB_trunk.0.non_attention.weight", "trunk_conv.weight",
                  "upconv1.weight", "att1.conv.weight", "HRconv1.weight", "conv_last.weight")
        if not all(k in sd for k in needed):
            return None
        first = sd["conv_first.weight"]
        if int(first.shape[1]) != 3:
            return None
        nf = int(first.shape[0])
        rx = re.compile(r"AAB_trunk\.(\d+)\.conv_first\.weight")
        kwargs = {
            "nf": nf,
            "unf": int(sd["upconv1.weight"].shape[0]),
            "nb": len({m.group(1) for k in sd if (m := rx.fullmatch(k))}),
            "reduction": nf // int(sd["AAB_trunk.0.ADM.0.weight"].shape[0]),
            "non_attention_kernel": int(sd["AAB_trunk.0.non_attention.weight"].shape[-1]),
        }
        if "upconv2.weight" in sd:
            kwargs["scale"] = 4
        return kwargs
