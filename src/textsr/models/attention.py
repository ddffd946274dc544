"""Spatial attention (the spatial gate of CBAM, Woo et al. ECCV 2018) for RCAN_dat students."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class SpatialAttention(nn.Module):
    """CBAM spatial gate: concat(max over channels, mean over channels) -> conv k x k (2 -> 1) -> sigmoid.

    forward(x: (B, C, h, w)) -> (x * a, a) with the attention map a: (B, 1, h, w) in (0, 1).

    Channel order [max, mean] as the official CBAM code (the paper writes [avg; max]). Unlike CBAM the conv has a
    bias and there is NO BatchNorm: RCAN has no normalisation anywhere (EDSR/RCAN removed BN from SR networks), and
    BN statistics from small SR batches differ between training and inference; the bias takes BN's shift role.
    Keys: `conv.weight` (1, 2, k, k), `conv.bias` (1,).
    """

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=True)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        attn = torch.sigmoid(self.conv(pooled))
        return x * attn, attn
