"""CRAFT text detector (Baek et al., CVPR 2019) with the official architecture and state-dict key names.

Keys equal those of clovaai/CRAFT-pytorch's `craft_mlt_25k.pth` once the `module.` prefix is stripped
(`basenet.slice1.0.weight`, `upconv1.conv.0.weight`, `conv_cls.8.bias`, ...), so the released weights load strictly.

The official backbone keeps its skip features by reference while the next VGG slice starts with an in-place ReLU:
the stored relu2_2 / relu3_2 / relu4_3 tensors therefore end up ReLU'd, while relu5_3 (followed by a max-pool)
and fc7 stay pre-ReLU. This module applies those ReLUs explicitly, which gives the same numbers without relying on
tensor aliasing (see `VGG16BN.forward`).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

# torchvision's vgg16_bn cfg "D": conv widths, "M" = 2x2 max-pool. Each conv is (Conv2d, BatchNorm2d, ReLU),
# so the `features` indices are: conv at 0,3,7,10,14,17,20,24,27,30,34,37,40; BN at conv+1; ReLU at conv+2.
_VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")

# Index ranges of VGG16-BN `features` that make the official slices (end exclusive).
_SLICES = {"slice1": (0, 12), "slice2": (12, 19), "slice3": (19, 29), "slice4": (29, 39)}


def _vgg16_bn_features() -> list[nn.Module]:
    """The layer list of torchvision's `vgg16_bn().features` (44 modules), built without torchvision."""
    layers: list[nn.Module] = []
    in_ch = 3
    for v in _VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_ch, v, kernel_size=3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            in_ch = v
    return layers


def init_weights(modules) -> None:
    """Official init of the non-pretrained parts: Xavier-uniform conv weights, zero bias; BN weight 1, bias 0."""
    for m in modules:
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class VGG16BN(nn.Module):
    """VGG16-BN backbone split into the official slices, plus fc6/fc7 (`slice5`).

    Input (B, 3, H, W) normalised RGB, H and W multiples of 32. `forward` returns a dict of the official skip
    features, values as inside the official forward (the in-place ReLU quirk included):

    - "relu2_2": (B, 128, H/2, W/2), conv2_2+BN then ReLU (min 0)
    - "relu3_2": (B, 256, H/4, W/4), conv3_2+BN then ReLU (min 0)
    - "relu4_3": (B, 512, H/8, W/8), conv4_2+BN then ReLU (min 0; official name, it is conv4_2)
    - "relu5_3": (B, 512, H/16, W/16), conv5_2+BN, NOT ReLU'd (can be negative; official name)
    - "fc7":     (B, 1024, H/16, W/16), max-pool 3x3/1 -> dilated conv 3x3 (d=6) -> conv 1x1, no ReLU
    """

    def __init__(self) -> None:
        super().__init__()
        features = _vgg16_bn_features()
        for name, (start, stop) in _SLICES.items():
            block = nn.Sequential()
            for idx in range(start, stop):
                block.add_module(str(idx), features[idx])  # keep the VGG index as the key: slice2.14.weight
            setattr(self, name, block)
        self.slice5 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6),
            nn.Conv2d(1024, 1024, kernel_size=1),
        )
        init_weights(self.modules())

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        # slice2..4 each begin with an in-place ReLU on the previous slice's output, which the official code has
        # already stored as a skip feature: so the skip feature is the ReLU'd tensor. Run that leading ReLU first
        # and keep its result, then the rest of the slice.
        h = self.slice1(x)
        relu2_2 = self.slice2[0](h)
        h = self.slice2[1:](relu2_2)
        relu3_2 = self.slice3[0](h)
        h = self.slice3[1:](relu3_2)
        relu4_3 = self.slice4[0](h)
        relu5_3 = self.slice4[1:](relu4_3)  # slice5 starts with a max-pool (not in place): stays pre-ReLU
        fc7 = self.slice5(relu5_3)
        return {"relu2_2": relu2_2, "relu3_2": relu3_2, "relu4_3": relu4_3, "relu5_3": relu5_3, "fc7": fc7}


class DoubleConv(nn.Module):
    """U-net decoder block (official `double_conv`): 1x1 conv -> BN -> ReLU -> 3x3 conv -> BN -> ReLU.

    Input channels in_ch + mid_ch (upsampled decoder map concatenated with a skip feature); output out_ch.
    """

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_ch + mid_ch, mid_ch, kernel_size=1),
            nn.BatchNorm2d(mid_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_ch, out_ch, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class CRAFT(nn.Module):
    """CRAFT: VGG16-BN backbone + U-net decoder + classification head (region and affinity scores).

    Input (B, 3, H, W): RGB 0-255 normalised with ImageNet mean/std, H and W multiples of 32.
    `forward` returns `(y, feature)` as the official model: y (B, H/2, W/2, 2) NHWC, channel 0 = region
    (character) score, channel 1 = affinity (link) score, no sigmoid; feature (B, 32, H/2, W/2) = upconv4 output.
    """

    def __init__(self) -> None:
        super().__init__()
        self.basenet = VGG16BN()
        self.upconv1 = DoubleConv(1024, 512, 256)
        self.upconv2 = DoubleConv(512, 256, 128)
        self.upconv3 = DoubleConv(256, 128, 64)
        self.upconv4 = DoubleConv(128, 64, 32)
        self.conv_cls = nn.Sequential(
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, kernel_size=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 2, kernel_size=1),
        )
        for block in (self.upconv1, self.upconv2, self.upconv3, self.upconv4, self.conv_cls):
            init_weights(block.modules())

    def features(self, x: Tensor) -> dict[str, Tensor]:
        """All named maps of one forward pass, values exactly as inside the official forward.

        Keys and shapes for input (B, 3, H, W):
        "relu2_2" (B,128,H/2,W/2), "relu3_2" (B,256,H/4,W/4), "relu4_3" (B,512,H/8,W/8) — all ReLU'd (min 0);
        "relu5_3" (B,512,H/16,W/16) and "fc7" (B,1024,H/16,W/16) — not ReLU'd (can be negative);
        "upconv1" (B,256,H/16,W/16), "upconv2" (B,128,H/8,W/8), "upconv3" (B,64,H/4,W/4),
        "upconv4" (B,32,H/2,W/2) — decoder block outputs (post-ReLU); "upconv4" is the official `feature`;
        "y" (B,H/2,W/2,2) — the head output as `forward` returns it (NHWC, region then affinity).
        """
        out = dict(self.basenet(x))
        y = self.upconv1(torch.cat([out["fc7"], out["relu5_3"]], dim=1))
        out["upconv1"] = y
        for name, skip in (("upconv2", "relu4_3"), ("upconv3", "relu3_2"), ("upconv4", "relu2_2")):
            y = F.interpolate(y, size=out[skip].shape[2:], mode="bilinear", align_corners=False)
            y = getattr(self, name)(torch.cat([y, out[skip]], dim=1))
            out[name] = y
        out["y"] = self.conv_cls(y).permute(0, 2, 3, 1)
        return out

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        out = self.features(x)
        return out["y"], out["upconv4"]
