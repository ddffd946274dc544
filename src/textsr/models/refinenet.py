"""CRAFT's LinkRefiner (`RefineNet`), with the official architecture and state-dict key names.

Source: clovaai/CRAFT-pytorch @ e332dd8b718e291f51b66ff8f9ef2c98ee4474c8, `refinenet.py` (architecture, keys) and
`test.py` (how it is run: `refine_net(y, feature)`, its output replaces the link map, `--refine` forces `--poly`).
The released weights are `craft_refiner_CTW1500.pth` (trained on CTW-1500, used with the General model
`craft_mlt_25k.pth`). Keys: `last_conv.{0,1,3,4,6,7}.*`, `aspp{1..4}.{0,1,3,4,6}.*` (plus `module.` when saved from
DataParallel); 457,924 parameters (reference/methods.md 2.6).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from textsr.models.craft import init_weights


def _conv_bn_relu(in_ch: int, out_ch: int, kernel_size: int, dilation: int = 1) -> list[nn.Module]:
    padding = dilation * (kernel_size // 2)
    return [nn.Conv2d(in_ch, out_ch, kernel_size, padding=padding, dilation=dilation), nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True)]


def _aspp(dilation: int) -> nn.Sequential:
    """One ASPP head: 3x3 conv 64->128 (dilation d, padding d) BN ReLU, 1x1 128->128 BN ReLU, 1x1 128->1."""
    return nn.Sequential(*_conv_bn_relu(64, 128, 3, dilation), *_conv_bn_relu(128, 128, 1),
                         nn.Conv2d(128, 1, kernel_size=1))


class RefineNet(nn.Module):
    """LinkRefiner: CRAFT's score maps and last decoder feature -> a refined link (affinity) map.

    Input: y (B, H/2, W/2, 2) NHWC as `CRAFT.forward` returns it (region, affinity), feature (B, 32, H/2, W/2)
    (upconv4). They are concatenated to 34 channels (y first), go through three 3x3 conv-BN-ReLU layers to 64
    channels, then four ASPP heads with dilations 6, 12, 18, 24 whose 1-channel outputs are summed.
    Output (B, H/2, W/2, 1) NHWC, no sigmoid: the official test.py uses channel 0 as the link map.
    """

    def __init__(self) -> None:
        super().__init__()
        self.last_conv = nn.Sequential(*_conv_bn_relu(34, 64, 3), *_conv_bn_relu(64, 64, 3), *_conv_bn_relu(64, 64, 3))
        self.aspp1 = _aspp(6)
        self.aspp2 = _aspp(12)
        self.aspp3 = _aspp(18)
        self.aspp4 = _aspp(24)
        for block in (self.last_conv, self.aspp1, self.aspp2, self.aspp3, self.aspp4):
            init_weights(block.modules())

    def forward(self, y: Tensor, feature: Tensor) -> Tensor:
        h = self.last_conv(torch.cat([y.permute(0, 3, 1, 2), feature], dim=1))
        out = self.aspp1(h) + self.aspp2(h) + self.aspp3(h) + self.aspp4(h)  # summed left to right, as official
        return out.permute(0, 2, 3, 1)
