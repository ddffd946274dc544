"""RCAN (Zhang et al., ECCV 2018) with the official module layout, so `state_dict()` keys equal RCAN_BIX*.pt's.

Keys (G = n_resgroups, R = n_resblocks): `sub_mean.*`, `add_mean.*`, `head.0.*`,
`body.{g}.body.{b}.body.{0,2}.*` (RCAB convs), `body.{g}.body.{b}.body.3.conv_du.{0,2}.*` (channel attention),
`body.{g}.body.{R}.*` (group tail conv), `body.{G}.*` (body tail conv), `tail.0.{0,2,..}.*` (upsampler convs),
`tail.1.*` (last conv). Input and output are RGB in 0..rgb_range (255 for the released models), NCHW float.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from textsr.models.base import SRNetwork

#: DIV2K RGB mean used by RCAN/EDSR (fractions of rgb_range).
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)


def default_conv(in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> nn.Conv2d:
    """`common.default_conv`: 'same' padding (kernel_size // 2), bias on."""
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)


class MeanShift(nn.Conv2d):
    """Fixed 1x1 conv adding `sign * rgb_range * rgb_mean / rgb_std` per channel (sign -1: subtract the mean).

    Frozen here (EDSR-PyTorch behaviour). The original RCAN repo left these parameters trainable, so official
    checkpoints' values are loaded from the file rather than recomputed (methods.md 1.1).
    """

    def __init__(self, rgb_range: float = 255.0, rgb_mean=DIV2K_RGB_MEAN, rgb_std=(1.0, 1.0, 1.0), sign: int = -1):
        super().__init__(3, 3, kernel_size=1)
        std = torch.tensor(rgb_std, dtype=torch.float32)
        with torch.no_grad():
            self.weight.copy_(torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1))
            self.bias.copy_(sign * rgb_range * torch.tensor(rgb_mean, dtype=torch.float32) / std)
        for p in self.parameters():
            p.requires_grad = False


class ChannelAttention(nn.Module):
    """RCAN's CALayer: global average pool -> 1x1 conv C->C/r -> ReLU -> 1x1 conv C/r->C -> sigmoid -> x * gate."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_du = nn.Sequential(
            nn.Conv2d(channels, channels // reduction, 1, padding=0, bias=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // reduction, channels, 1, padding=0, bias=True),
            nn.Sigmoid(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x * self.conv_du(self.avg_pool(x))


class RCAB(nn.Module):
    """Residual channel-attention block: x + CA(conv(relu(conv(x)))); res_scale is 1 as in the official code."""

    def __init__(self, n_feats: int, kernel_size: int = 3, reduction: int = 16):
        super().__init__()
        self.body = nn.Sequential(
            default_conv(n_feats, n_feats, kernel_size),
            nn.ReLU(inplace=True),
            default_conv(n_feats, n_feats, kernel_size),
            ChannelAttention(n_feats, reduction),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x) + x


class ResidualGroup(nn.Module):
    """n_resblocks RCABs + one conv, with a group-level skip."""

    def __init__(self, n_feats: int, n_resblocks: int, kernel_size: int = 3, reduction: int = 16):
        super().__init__()
        blocks: list[nn.Module] = [RCAB(n_feats, kernel_size, reduction) for _ in range(n_resblocks)]
        blocks.append(default_conv(n_feats, n_feats, kernel_size))
        self.body = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x) + x


class Upsampler(nn.Sequential):
    """`common.Upsampler` without BN/activation: x2^k -> k x [conv C->4C, PixelShuffle(2)]; x3 -> conv C->9C, PS(3)."""

    def __init__(self, scale: int, n_feats: int):
        layers: list[nn.Module] = []
        if scale >= 1 and (scale & (scale - 1)) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [default_conv(n_feats, 4 * n_feats, 3), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [default_conv(n_feats, 9 * n_feats, 3), nn.PixelShuffle(3)]
        else:
            raise ValueError(f"RCAN upsampler supports scales 2^k and 3, not {scale}")
        super().__init__(*layers)


class RCAN(SRNetwork):
    """Residual channel attention network.

    x: (B, 3, h, w) RGB in 0..rgb_range -> (B, 3, h*scale, w*scale), same range (not clamped).
    Paper size: n_resgroups=10, n_resblocks=20, n_feats=64, reduction=16 (15,592,379 parameters at x4); FAKD's
    student is 10 x 6 (5,171,339). Places: "head" (after the head conv), "group0" .. "group{G-1}" (after each
    residual group), "body" (after the body's tail conv, before the long skip), "skip" (after the long skip: FAKD's
    last tapped feature).
    """

    def __init__(
        self,
        *,
        scale: int = 4,
        n_resgroups: int = 10,
        n_resblocks: int = 20,
        n_feats: int = 64,
        reduction: int = 16,
        kernel_size: int = 3,
        rgb_range: float = 255.0,
        rgb_mean=DIV2K_RGB_MEAN,
    ):
        super().__init__()
        if n_feats % reduction:
            raise ValueError(f"n_feats ({n_feats}) must be a multiple of reduction ({reduction})")
        self.scale = int(scale)
        self.n_resgroups = int(n_resgroups)
        self.n_resblocks = int(n_resblocks)
        self.n_feats = int(n_feats)
        self.reduction = int(reduction)
        self.kernel_size = int(kernel_size)
        self.rgb_range = self.input_range = float(rgb_range)
        # registration order as in the RCAN repo (sub_mean first); names are what matter for loading
        self.sub_mean = MeanShift(rgb_range, rgb_mean, sign=-1)
        self.head = nn.Sequential(default_conv(3, n_feats, kernel_size))
        body: list[nn.Module] = [
            ResidualGroup(n_feats, n_resblocks, kernel_size, reduction) for _ in range(n_resgroups)
        ]
        body.append(default_conv(n_feats, n_feats, kernel_size))
        self.body = nn.Sequential(*body)
        self.tail = nn.Sequential(Upsampler(scale, n_feats), default_conv(n_feats, 3, kernel_size))
        self.add_mean = MeanShift(rgb_range, rgb_mean, sign=1)

    def places(self) -> tuple[str, ...]:
        return ("head", *(f"group{g}" for g in range(self.n_resgroups)), "body", "skip")

    def block_places(self) -> tuple[str, ...]:
        return tuple(f"group{g}" for g in range(self.n_resgroups))

    def forward(self, x: Tensor) -> Tensor:
        x = self.place("head", self.head(self.sub_mean(x)))
        res = x
        for g in range(self.n_resgroups):
            res = self.place(f"group{g}", self.body[g](res))
        res = self.place("skip", self.place("body", self.body[self.n_resgroups](res)) + x)
        return self.add_mean(self.tail(res))

    def config(self) -> dict:
        return {"scale": self.scale, "n_resgroups": self.n_resgroups, "n_resblocks": self.n_resblocks,
                "n_feats": self.n_feats, "reduction": self.reduction, "kernel_size": self.kernel_size,
                "rgb_range": self.rgb_range}

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """Sizes from the official keys: groups and blocks counted, features from `head.0`, reduction from the
        channel attention's squeeze conv, scale = product of the upsampler's PixelShuffle factors (sqrt of each
        `tail.0.{i}` conv's out_channels / n_feats). rgb_range is not in the weights: 255 (every released RCAN)."""
        needed = ("head.0.weight", "body.0.body.0.body.0.weight", "body.0.body.0.body.3.conv_du.0.weight",
                  "tail.0.0.weight", "sub_mean.weight")
        if not all(k in sd for k in needed):
            return None
        head = sd["head.0.weight"]
        n_feats, n_colors, kernel_size = int(head.shape[0]), int(head.shape[1]), int(head.shape[-1])
        if n_colors != 3:
            return None
        scale, i = 1, 0
        while f"tail.0.{i}.weight" in sd:
            r2 = int(sd[f"tail.0.{i}.weight"].shape[0]) // n_feats
            r = int(round(r2 ** 0.5))
            if r * r != r2:
                raise ValueError(f"tail.0.{i}.weight: {r2} x n_feats output channels is not a square "
                                 f"pixel-shuffle factor")
            scale *= r
            i += 2
        squeeze = int(sd["body.0.body.0.body.3.conv_du.0.weight"].shape[0])
        return {
            "scale": scale,
            "n_resgroups": _count(sd, r"body\.(\d+)\.body\.0\.body\.0\.weight"),
            "n_resblocks": _count(sd, r"body\.0\.body\.(\d+)\.body\.0\.weight"),
            "n_feats": n_feats,
            "reduction": n_feats // squeeze,
            "kernel_size": kernel_size,
        }


def _count(sd: Mapping[str, Tensor], pattern: str) -> int:
    rx = re.compile(pattern)
    return len({m.group(1) for k in sd if (m := rx.fullmatch(k))})
