"""RFDN and E-RFDN (Liu, Tang, Wu, "Residual Feature Distillation Network for Lightweight Image Super-Resolution",
AIM 2020 efficient-SR winner) with the official module layout, so `state_dict()` keys equal `RFDN_AIM.pth`'s.

Official code: njulj/RFDN @ 7cf4e25b6633e81fd7e26891aeee2baca4f8f927, `RFDN.py` (class RFDN) and `block.py`
(RFDB, ESA, conv_layer, conv_block, pixelshuffle_block). The released model `trained_model/RFDN_AIM.pth` is the
E-RFDN: 50 features, 4 RFDBs, x4, 433,448 parameters, RGB input in 0-255 (`test.py` feeds uint8 values as float,
`utils_image.uint2tensor4` divides by 1.0) and output in 0-255 (no MeanShift, no global skip).

Keys (n = num_modules): `fea_conv.*`, `B{1..n}.{c1_d,c1_r,c2_d,c2_r,c3_d,c3_r,c4,c5}.*`,
`B{i}.esa.{conv1,conv_f,conv_max,conv2,conv3,conv3_,conv4}.*`, `c.0.*` (1x1 fusion conv + LeakyReLU),
`LR_conv.*`, `upsampler.0.*` (conv before the PixelShuffle); each `.weight` and `.bias`.

Pitfalls handled:
- the official upsampler hard-codes x4 (conv nf -> 3 * 4^2 + PixelShuffle(4) whatever `upscale` says). Here
  `scale` builds conv nf -> 3 * scale^2 + PixelShuffle(scale): x4 keeps the official keys and shapes
  (`upsampler.0.weight` (48, nf, 3, 3)), x2 gets (12, nf, 3, 3).
- ESA's 3x3 stride-2 conv (no padding) followed by a 7x7 / stride-3 max-pool needs an LR side of at least 15 px
  (floor((n - 3) / 2) + 1 >= 7). `min_input` = 15; `forward` raises a ValueError naming the size below it (the
  official code fails inside max_pool2d). `textsr.inference.superres` pads smaller inputs (edge pixels repeated) and crops
  the output back, and `textsr.train` refuses patches below it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textsr.models.base import SRNetwork

#: LeakyReLU slope of RFDN (`block.activation('lrelu')`, neg_slope 0.05)
LRELU_SLOPE = 0.05


def conv_layer(in_channels: int, out_channels: int, kernel_size: int) -> nn.Conv2d:
    """`block.conv_layer`: stride 1, 'same' padding (kernel_size - 1) // 2, bias on."""
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2, bias=True)


class ESA(nn.Module):
    """Enhanced spatial attention (RFANet, CVPR 2020) as RFDN's `block.ESA`, f = n_feats // 4 channels inside.

    x: (B, C, h, w) with h, w >= 15 -> x * m, m = sigmoid(conv4(up(conv3_(relu(conv3(relu(conv_max(maxpool7/3(
    conv2(c1_)))))))) + conv_f(c1_))), c1_ = conv1(x); conv2 is 3x3 stride 2 without padding, `up` is bilinear
    (align_corners False) back to (h, w).
    """

    def __init__(self, n_feats: int):
        super().__init__()
        f = n_feats // 4
        self.conv1 = nn.Conv2d(n_feats, f, kernel_size=1)
        self.conv_f = nn.Conv2d(f, f, kernel_size=1)
        self.conv_max = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(f, f, kernel_size=3, stride=2, padding=0)
        self.conv3 = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv3_ = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(f, n_feats, kernel_size=1)
        self.sigmoid = nn.Sigmoid()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        c1_ = self.conv1(x)
        c1 = self.conv2(c1_)
        v_max = F.max_pool2d(c1, kernel_size=7, stride=3)
        v_range = self.relu(self.conv_max(v_max))
        c3 = self.relu(self.conv3(v_range))
        c3 = self.conv3_(c3)
        c3 = F.interpolate(c3, (x.size(2), x.size(3)), mode="bilinear", align_corners=False)
        cf = self.conv_f(c1_)
        return x * self.sigmoid(self.conv4(c3 + cf))


class RFDB(nn.Module):
    """Residual feature distillation block: three stages of [distillation 1x1 conv C -> C/2 + LReLU] and
    [shallow residual block SRB: LReLU(3x3 conv(x) + x)], a 3x3 conv C -> C/2 + LReLU, concat (2C) -> 1x1 conv
    -> ESA. Distilled width is C // 2 (the official `distillation_rate=0.25` argument is unused).

    x: (B, C, h, w) -> (B, C, h, w).
    """

    def __init__(self, in_channels: int):
        super().__init__()
        self.dc = in_channels // 2
        self.rc = in_channels
        self.c1_d = conv_layer(in_channels, self.dc, 1)
        self.c1_r = conv_layer(in_channels, self.rc, 3)
        self.c2_d = conv_layer(self.rc, self.dc, 1)
        self.c2_r = conv_layer(self.rc, self.rc, 3)
        self.c3_d = conv_layer(self.rc, self.dc, 1)
        self.c3_r = conv_layer(self.rc, self.rc, 3)
        self.c4 = conv_layer(self.rc, self.dc, 3)
        self.act = nn.LeakyReLU(LRELU_SLOPE, inplace=True)
        self.c5 = conv_layer(self.dc * 4, in_channels, 1)
        self.esa = ESA(in_channels)

    def forward(self, x: Tensor) -> Tensor:
        distilled_c1 = self.act(self.c1_d(x))
        r_c1 = self.act(self.c1_r(x) + x)
        distilled_c2 = self.act(self.c2_d(r_c1))
        r_c2 = self.act(self.c2_r(r_c1) + r_c1)
        distilled_c3 = self.act(self.c3_d(r_c2))
        r_c3 = self.act(self.c3_r(r_c2) + r_c2)
        r_c4 = self.act(self.c4(r_c3))
        out = torch.cat([distilled_c1, distilled_c2, distilled_c3, r_c4], dim=1)
        return self.esa(self.c5(out))


class RFDN(SRNetwork):
    """Residual feature distillation network.

    x: (B, 3, h, w) RGB 0-255, h and w >= 15 -> (B, 3, h*scale, w*scale) RGB 0-255 (not clamped).
    Structure: fea_conv 3x3 -> num_modules x RFDB (each output kept) -> concat -> `c` (1x1 conv + LReLU 0.05) ->
    LR_conv 3x3 -> + fea_conv output -> upsampler (3x3 conv nf -> 3 scale^2, PixelShuffle(scale)).
    Defaults: the paper's RFDN size, 48 features x 6 RFDBs (methods.md 5.1, recalled from the paper, not in the
    released code); built from the official blocks this has 581,952 parameters at x4 (566,364 at x2), while the
    paper is recalled as ~550 K / ~534 K: the paper's block may differ in a detail no released code shows.
    `ERFDN` is the released E-RFDN (50 x 4).
    Places: "fea_conv" (shallow features), "B1" .. "B{n}" (after each RFDB), "LR_conv" (before the long skip).
    """

    min_input = 15

    def __init__(self, *, scale: int = 4, nf: int = 48, num_modules: int = 6):
        super().__init__()
        if int(scale) < 1:
            raise ValueError(f"scale must be a positive integer, got {scale}")
        if int(nf) < 8 or int(nf) % 2:
            raise ValueError(f"nf must be an even number >= 8 (RFDB halves it, ESA quarters it), got {nf}")
        self.scale = int(scale)
        self.nf = int(nf)
        self.num_modules = int(num_modules)
        self.fea_conv = conv_layer(3, self.nf, 3)
        for i in range(1, self.num_modules + 1):
            setattr(self, f"B{i}", RFDB(self.nf))
        self.c = nn.Sequential(nn.Conv2d(self.nf * self.num_modules, self.nf, 1),
                               nn.LeakyReLU(LRELU_SLOPE, inplace=True))
        self.LR_conv = conv_layer(self.nf, self.nf, 3)
        self.upsampler = nn.Sequential(conv_layer(self.nf, 3 * self.scale**2, 3), nn.PixelShuffle(self.scale))

    def places(self) -> tuple[str, ...]:
        return ("fea_conv", *self.block_places(), "LR_conv")

    def block_places(self) -> tuple[str, ...]:
        return tuple(f"B{i}" for i in range(1, self.num_modules + 1))

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        if min(h, w) < self.min_input:
            raise ValueError(f"{type(self).__name__}: ESA needs LR inputs of at least {self.min_input}x"
                             f"{self.min_input} px, got {h}x{w}; pad the input (textsr.inference.superres does)")
        out_fea = self.place("fea_conv", self.fea_conv(x))
        outs, y = [], out_fea
        for name in self.block_places():
            y = self.place(name, getattr(self, name)(y))
            outs.append(y)
        out_b = self.c(torch.cat(outs, dim=1))
        out_lr = self.place("LR_conv", self.LR_conv(out_b)) + out_fea
        return self.upsampler(out_lr)

    def config(self) -> dict:
        return {"scale": self.scale, "nf": self.nf, "num_modules": self.num_modules}

    @classmethod
    def _sizes(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """{scale, nf, num_modules} of an RFDN-layout state dict, or None when the keys are not RFDN's."""
        needed = ("fea_conv.weight", "B1.c1_d.weight", "B1.esa.conv1.weight", "c.0.weight", "LR_conv.weight",
                  "upsampler.0.weight")
        if not all(k in sd for k in needed):
            return None
        fea = sd["fea_conv.weight"]
        if int(fea.shape[1]) != 3:
            return None
        nf = int(fea.shape[0])
        rx = re.compile(r"B(\d+)\.c1_d\.weight")
        num_modules = len({m.group(1) for k in sd if (m := rx.fullmatch(k))})
        if int(sd["c.0.weight"].shape[1]) != nf * num_modules:
            raise ValueError(f"c.0.weight takes {int(sd['c.0.weight'].shape[1])} channels, not nf x RFDBs = "
                             f"{nf} x {num_modules}")
        r2 = int(sd["upsampler.0.weight"].shape[0]) // 3
        r = round(r2**0.5)
        if r * r != r2 or 3 * r2 != int(sd["upsampler.0.weight"].shape[0]):
            raise ValueError(f"upsampler.0.weight has {int(sd['upsampler.0.weight'].shape[0])} output channels, "
                             f"not 3 x a square pixel-shuffle factor")
        return {"scale": r, "nf": nf, "num_modules": num_modules}

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """Sizes from the official keys: nf from `fea_conv`, RFDBs counted (`B{i}.c1_d`), scale from the
        upsampler conv's 3 scale^2 outputs. Claims every RFDN layout except E-RFDN's (50 features x 4 RFDBs,
        claimed by `ERFDN`), so the two registry entries never claim the same file."""
        sizes = cls._sizes(sd)
        if sizes is None or (sizes["nf"], sizes["num_modules"]) == (ERFDN.NF, ERFDN.NUM_MODULES):
            return None
        return sizes


class ERFDN(RFDN):
    """E-RFDN, the AIM 2020 winner released as `RFDN_AIM.pth`: RFDN with 50 features and 4 RFDBs (the official
    `RFDN()` defaults); 433,448 parameters at x4, 27.03 GMACs at a 256x256 LR input (methods.md 5.1)."""

    NF, NUM_MODULES = 50, 4

    def __init__(self, *, scale: int = 4, nf: int = NF, num_modules: int = NUM_MODULES):
        super().__init__(scale=scale, nf=nf, num_modules=num_modules)

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """The RFDN sizes when they are E-RFDN's (50 features x 4 RFDBs, any scale), else None."""
        sizes = cls._sizes(sd)
        if sizes is None or (sizes["nf"], sizes["num_modules"]) != (cls.NF, cls.NUM_MODULES):
            return None
        return sizes
