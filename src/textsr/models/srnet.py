"""SRNet ("Self-supervised Residual-aware Network for Digital Zoom") with the official module layout, so
`state_dict()` keys equal those of the official `--model SSL --attn` checkpoints, and its auxiliary "Diff" label.

Official code: selous123/SRNet-zoom-pytorch @ 08b647e121d70ca69e04719684bcdce8ca8b65d3: `src/model/ssl.py`
(EDSR_Zoom = SRNet, EDSR_SSL = the residual branch, RCABlock), `src/model/common.py` (CALayer, BasicConv,
ChannelPool, MultiPoolingSpatialAttn = MPR-SA, MixAttn = `common.Attn`, MeanShift, Upsampler with act='relu'),
`generate_s_label.py` (the Diff label), `src/ssl_trainer.py` (loss = L1(SR, HR) + 1.0 * L1(aux, Diff); `--loss
1.0*L1 --loss_ssl 1.0*L1`). Defaults of `src/option.py`: 16 blocks, 64 features, reduction 16, res_scale 1,
rgb_range 255, 3 colours; the README trains x4 and x8 with `--attn`. No weights were released.

Two EDSR-like networks: the residual branch (`model_ssl`) predicts the Diff image; its body output (after its
long skip) is subtracted from the main head features and its head features are added to the main body output.
Keys: `sub_mean.*`, `add_mean.*`, `head.0.*`, `body.{i}.body.{0,2}.*`, `body.{i}.body.3.attn1.conv_du.{0,2}.*`,
`body.{i}.body.3.attn2.spatial{1,2,3}.conv.weight`, `...spatial{j}.bn.{weight,bias,running_mean,running_var,
num_batches_tracked}`, `body.{n}.*` (body tail conv), `tail.0.{0,3,..}.*` (upsampler convs: conv, PixelShuffle,
ReLU per x2 step), `tail.1.*`, `CALayer_head.*`, `CALayer_tail.*` (MixAttn), and the same under `model_ssl.`
(without the CALayer_* modules). 3,429,726 parameters at x4 (methods.md 5.3; BatchNorm buffers not counted).

Pitfalls handled:
- MPR-SA concatenates each pooled map with its three rot90 copies along channels: only square maps fit. The
  official forward is kept and `square_input` is True: `forward` raises a ValueError on a non-square input, and
  `textsr.inference.superres` pads the LR image to a square (edge pixels repeated) and crops the output back; training
  patches are square. Padding inside `forward` would hide the padding from the attention maps and features that
  distillation reads, and would make the network differ from the official one on non-square inputs.
- the Diff label used PIL's `Image.resize` with its default filter (NEAREST before Pillow 7, BICUBIC since) and
  PIL's EDGE_ENHANCE_MORE and DETAIL filters; `diff_label` replaces the resize with this project's MATLAB bicubic
  upscaling (`textsr.degrade.bicubic_upscale`, the `bicubic` condition, uint8) and reproduces the two filters
  exactly as Pillow's `Filter.c` computes them (see `pil_filter3x3`), in numpy: no Pillow at all.
- `forward` returns the SR image only (the official returns `(sr, s_label)`); the residual branch's output is
  recorded as the auxiliary output "diff" (`SRNetwork.auxiliary`) and `auxiliary_losses` adds L1(aux, Diff).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textsr.degrade import bicubic_upscale
from textsr.models.base import SRNetwork, Taps
from textsr.models.rcan import DIV2K_RGB_MEAN, ChannelAttention, MeanShift, default_conv

#: PIL ImageFilter.EDGE_ENHANCE_MORE: (3x3 kernel, row-major; scale; offset) as Pillow's ImageFilter.py
EDGE_ENHANCE_MORE = ((-1, -1, -1, -1, 9, -1, -1, -1, -1), 1, 0)
#: PIL ImageFilter.DETAIL
DETAIL = ((0, -1, 0, -1, 10, -1, 0, -1, 0), 6, 0)
#: weight of L1(aux, Diff) (`--loss_ssl 1.0*L1`)
DIFF_WEIGHT = 1.0


# ------------------------------------------------------------------------------------------------- attention


class BasicConv(nn.Module):
    """k x k conv without bias + BatchNorm2d(eps 1e-5, momentum 0.01) [+ ReLU]; keys `conv.*`, `bn.*`."""

    def __init__(self, in_planes: int, out_planes: int, kernel_size: int, padding: int = 0, relu: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(in_planes, out_planes, kernel_size=kernel_size, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_planes, eps=1e-5, momentum=0.01, affine=True)
        self.relu = nn.ReLU(inplace=True) if relu else None

    def forward(self, x: Tensor) -> Tensor:
        x = self.bn(self.conv(x))
        return self.relu(x) if self.relu is not None else x


def channel_pool(x: Tensor, pool_size: int) -> Tensor:
    """`common.ChannelPool`: (B, C, h, w) -> (B, pool_size, h, w), the mean over pool_size groups of channels
    (AdaptiveAvgPool1d along the channel axis: C = 64, pool 4 -> means of channels 0-15, 16-31, ...)."""
    b, c, h, w = x.shape
    pooled = F.adaptive_avg_pool1d(x.reshape(b, c, h * w).permute(0, 2, 1), pool_size)  # (B, hw, pool)
    return pooled.permute(0, 2, 1).reshape(b, pool_size, h, w)


def _with_rotations(x: Tensor) -> Tensor:
    """(B, k, n, n) -> (B, 4k, n, n): x and its rot90 copies by 90, 180 and 270 degrees (square maps only)."""
    return torch.cat([torch.rot90(x, i, dims=[2, 3]) for i in range(4)], dim=1)


class MPRSA(nn.Module):
    """Multi-pooling rotation spatial attention (official `MultiPoolingSpatialAttn`).

    Channel means pooled to 1, 2 and 4 maps, each concatenated with its rot90 copies (4, 8, 16 channels) ->
    7x7 conv + BN (`spatial1..3`, 8 maps each) -> summed -> sigmoid -> the 8 maps repeated C/8 times along
    channels (channel c gets map c % 8) -> x * scale. x: (B, C, n, n) square, C a multiple of 8.
    """

    def __init__(self, channel: int):
        super().__init__()
        self.channel = channel
        self.spatial1 = BasicConv(4, 8, 7, padding=3, relu=False)
        self.spatial2 = BasicConv(8, 8, 7, padding=3, relu=False)
        self.spatial3 = BasicConv(16, 8, 7, padding=3, relu=False)

    def forward(self, x: Tensor) -> Tensor:
        out = (self.spatial1(_with_rotations(channel_pool(x, 1)))
               + self.spatial2(_with_rotations(channel_pool(x, 2)))
               + self.spatial3(_with_rotations(channel_pool(x, 4))))
        scale = torch.sigmoid(out).repeat(1, self.channel // 8, 1, 1)
        return x * scale


class MixAttn(nn.Module):
    """Channel attention (RCAN's CALayer, `attn1`) followed by MPR-SA (`attn2`): `common.Attn`."""

    def __init__(self, n_feats: int, reduction: int = 16):
        super().__init__()
        self.attn1 = ChannelAttention(n_feats, reduction)
        self.attn2 = MPRSA(n_feats)

    def forward(self, x: Tensor) -> Tensor:
        return self.attn2(self.attn1(x))


# ---------------------------------------------------------------------------------------------------- blocks


class RCABlock(nn.Module):
    """x + res_scale * MixAttn(conv(relu(conv(x)))): `body.{0,2}` convs, `body.3` the attention."""

    def __init__(self, n_feats: int, kernel_size: int = 3, reduction: int = 16, res_scale: float = 1.0):
        super().__init__()
        self.body = nn.Sequential(default_conv(n_feats, n_feats, kernel_size), nn.ReLU(True),
                                  default_conv(n_feats, n_feats, kernel_size), MixAttn(n_feats, reduction))
        self.res_scale = res_scale

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x).mul(self.res_scale) + x


class ResBlock(nn.Module):
    """EDSR's residual block (SRNet without `--attn`): x + res_scale * conv(relu(conv(x)))."""

    def __init__(self, n_feats: int, kernel_size: int = 3, res_scale: float = 1.0):
        super().__init__()
        self.body = nn.Sequential(default_conv(n_feats, n_feats, kernel_size), nn.ReLU(True),
                                  default_conv(n_feats, n_feats, kernel_size))
        self.res_scale = res_scale

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x).mul(self.res_scale) + x


class Upsampler(nn.Sequential):
    """`common.Upsampler(conv, scale, n_feats, act='relu')`: per x2 step conv C -> 4C, PixelShuffle(2), ReLU
    (x2^k); x3: conv C -> 9C, PixelShuffle(3), ReLU. Conv keys `0`, `3`, `6`, ..."""

    def __init__(self, scale: int, n_feats: int):
        layers: list[nn.Module] = []
        if scale >= 1 and (scale & (scale - 1)) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [default_conv(n_feats, 4 * n_feats, 3), nn.PixelShuffle(2), nn.ReLU(True)]
        elif scale == 3:
            layers += [default_conv(n_feats, 9 * n_feats, 3), nn.PixelShuffle(3), nn.ReLU(True)]
        else:
            raise ValueError(f"SRNet's upsampler supports scales 2^k and 3, not {scale}")
        super().__init__(*layers)


def _body(n_feats: int, n_resblocks: int, reduction: int, attn: bool) -> nn.Sequential:
    blocks: list[nn.Module] = [RCABlock(n_feats, 3, reduction) if attn else ResBlock(n_feats, 3)
                               for _ in range(n_resblocks)]
    blocks.append(default_conv(n_feats, n_feats, 3))
    return nn.Sequential(*blocks)


class ResidualBranch(nn.Module):
    """The auxiliary residual branch (official `EDSR_SSL`): an EDSR with the same blocks that predicts the Diff
    image. x: (B, 3, h, w) RGB 0-255 -> (aux (B, 3, H, W) in 0-255 units, head features (B, C, h, w), body
    output after its long skip (B, C, h, w))."""

    def __init__(self, scale: int, n_resblocks: int, n_feats: int, reduction: int, attn: bool, rgb_range: float):
        super().__init__()
        self.sub_mean = MeanShift(rgb_range, DIV2K_RGB_MEAN, sign=-1)
        self.add_mean = MeanShift(rgb_range, DIV2K_RGB_MEAN, sign=1)
        self.head = nn.Sequential(default_conv(3, n_feats, 3))
        self.body = _body(n_feats, n_resblocks, reduction, attn)
        self.tail = nn.Sequential(Upsampler(scale, n_feats), default_conv(n_feats, 3, 3))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        head = self.head(self.sub_mean(x))
        res = self.body(head) + head
        return self.add_mean(self.tail(res)), head, res


# ---------------------------------------------------------------------------------------------------- SRNet


class SRNet(SRNetwork):
    """SRNet (official `EDSR_Zoom` with `--attn`).

    x: (B, 3, n, n) RGB 0-255, square -> (B, 3, n*scale, n*scale) RGB 0-255 (not clamped); the residual branch's
    Diff prediction (B, 3, n*scale, n*scale) is recorded as auxiliary output "diff".
    Main path: sub_mean -> head -> minus the branch's body output -> CALayer_head (MixAttn) -> n_resblocks
    RCABlocks + conv -> plus the branch's head features -> CALayer_tail -> + head (long skip) -> tail -> add_mean.
    BatchNorm inside MPR-SA: train mode uses batch statistics, as the official training.
    Places: "head" (after CALayer_head), "block0" .. "block{n-1}" (after each main-body block), "body" (after
    CALayer_tail, before the long skip).
    """

    square_input = True

    def __init__(self, *, scale: int = 4, n_resblocks: int = 16, n_feats: int = 64, reduction: int = 16,
                 attn: bool = True, rgb_range: float = 255.0):
        super().__init__()
        if int(n_feats) % 8 or int(n_feats) < max(int(reduction), 16):
            raise ValueError(f"n_feats must be a multiple of 8 (MPR-SA repeats 8 maps) and >= 16 and reduction "
                             f"(CALayer_head/tail reduce by 16), got {n_feats} (reduction {reduction})")
        self.scale = int(scale)
        self.n_resblocks, self.n_feats, self.reduction = int(n_resblocks), int(n_feats), int(reduction)
        self.attn = bool(attn)
        self.rgb_range = self.input_range = float(rgb_range)
        # registration order as EDSR_Zoom.__init__
        self.sub_mean = MeanShift(rgb_range, DIV2K_RGB_MEAN, sign=-1)
        self.add_mean = MeanShift(rgb_range, DIV2K_RGB_MEAN, sign=1)
        self.model_ssl = ResidualBranch(self.scale, self.n_resblocks, self.n_feats, self.reduction, self.attn,
                                        self.rgb_range)
        self.CALayer_head = MixAttn(self.n_feats)  # official: common.Attn(n_feats), default reduction 16
        self.CALayer_tail = MixAttn(self.n_feats)
        self.head = nn.Sequential(default_conv(3, self.n_feats, 3))
        self.body = _body(self.n_feats, self.n_resblocks, self.reduction, self.attn)
        self.tail = nn.Sequential(Upsampler(self.scale, self.n_feats), default_conv(self.n_feats, 3, 3))

    def places(self) -> tuple[str, ...]:
        return ("head", *self.block_places(), "body")

    def block_places(self) -> tuple[str, ...]:
        return tuple(f"block{i}" for i in range(self.n_resblocks))

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        if h != w:
            raise ValueError(f"SRNet's MPR-SA needs square inputs (rot90 concatenation), got {h}x{w}; pad to a "
                             f"square (textsr.inference.superres does)")
        s_label, y1, y2 = self.model_ssl(x)
        self.auxiliary("diff", s_label)
        x = self.head(self.sub_mean(x)) - y2
        if self.attn:
            x = self.CALayer_head(x)
        x = self.place("head", x)
        res = x
        for i in range(self.n_resblocks):
            res = self.place(f"block{i}", self.body[i](res))
        res = self.body[self.n_resblocks](res) + y1
        if self.attn:
            res = self.CALayer_tail(res)
        res = self.place("body", res) + x
        return self.add_mean(self.tail(res))

    def auxiliary_losses(self, taps: Taps, lr_rgb: Tensor, hr_rgb: Tensor) -> dict[str, Tensor]:
        """{"diff": 1.0 * L1(aux, Diff)}: the residual branch's output against `diff_label(HR, LR)` of the batch.

        lr_rgb (B, 3, h, w), hr_rgb (B, 3, h*scale, w*scale): RGB 0-255 integer-valued (the pipeline's patches).
        The official labels were made once per whole image; here they are made per patch, so the 1-pixel filter
        border and the bicubic edge handling fall on patch borders.
        """
        if "diff" not in taps.aux:
            raise ValueError("SRNet.auxiliary_losses needs the taps of forward_taps (no 'diff' output recorded)")
        aux = taps.aux["diff"].float()
        label = diff_label_batch(hr_rgb, lr_rgb, self.scale).to(aux.device)
        return {"diff": DIFF_WEIGHT * F.l1_loss(aux, label)}

    def config(self) -> dict:
        return {"scale": self.scale, "n_resblocks": self.n_resblocks, "n_feats": self.n_feats,
                "reduction": self.reduction, "attn": self.attn, "rgb_range": self.rgb_range}

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """Sizes from the official keys: blocks counted, features from `head.0`, reduction from the channel
        attention's squeeze conv, attn from the presence of `body.0.body.3.*`, scale from the upsampler convs
        (`tail.0.{0,3,..}`, 4 C or 9 C outputs each). rgb_range is not in the weights: 255 (the official default)."""
        needed = ("head.0.weight", "body.0.body.0.weight", "tail.0.0.weight", "sub_mean.weight",
                  "model_ssl.head.0.weight", "model_ssl.tail.0.0.weight", "CALayer_head.attn1.conv_du.0.weight",
                  "CALayer_tail.attn2.spatial1.conv.weight")
        if not all(k in sd for k in needed):
            return None
        head = sd["head.0.weight"]
        n_feats = int(head.shape[0])
        if int(head.shape[1]) != 3:
            return None
        rx = re.compile(r"body\.(\d+)\.body\.0\.weight")
        n_resblocks = len({m.group(1) for k in sd if (m := rx.fullmatch(k))})
        attn = "body.0.body.3.attn1.conv_du.0.weight" in sd
        # without --attn the blocks have no channel attention and `reduction` is unused (CALayer_* use 16)
        reduction = n_feats // int(sd["body.0.body.3.attn1.conv_du.0.weight"].shape[0]) if attn else 16
        scale, i = 1, 0
        while f"tail.0.{i}.weight" in sd:
            r2 = int(sd[f"tail.0.{i}.weight"].shape[0]) // n_feats
            if r2 not in (4, 9):
                raise ValueError(f"tail.0.{i}.weight: {r2} x n_feats output channels, not a x2 or x3 step")
            scale *= round(r2**0.5)
            i += 3
        return {"scale": scale, "n_resblocks": n_resblocks, "n_feats": n_feats, "reduction": reduction,
                "attn": attn}


# ------------------------------------------------------------------------------------------------ Diff label


def pil_filter3x3(image: np.ndarray, kernel: Sequence[float], scale: float, offset: float = 0.0) -> np.ndarray:
    """PIL `Image.filter(ImageFilter.Kernel((3, 3), kernel, scale, offset))` on a uint8 (H, W[, C]) image.

    As Pillow's `_imaging.c` / `libImaging/Filter.c` (python-pillow/Pillow @ 00e4415, unchanged in substance since
    Pillow 4.3): the kernel is float32 and divided by `scale` in float32; each output pixel is, in float32 and in
    this order, ((offset + 0.5) + row(y+1) . k[0:3]) + row(y) . k[3:6]) + row(y-1) . k[6:9], each row product
    summed left to right, then clamped to [0, 255] and truncated (so: rounded half up). The first and last row and
    column are copied unchanged; an image smaller than 3x3 is returned as is. (The rows are taken bottom-up as
    Pillow does; EDGE_ENHANCE_MORE and DETAIL are symmetric.)
    """
    if image.dtype != np.uint8:
        raise ValueError(f"pil_filter3x3 expects a uint8 image, got {image.dtype}")
    k = np.asarray(kernel, dtype=np.float32) / np.float32(scale)
    if k.shape != (9,):
        raise ValueError(f"a 3x3 kernel has 9 values, got {k.size}")
    out = image.copy()
    h, w = image.shape[:2]
    if h < 3 or w < 3:
        return out
    x = image.astype(np.float32)

    def rows(r: np.ndarray, k3: np.ndarray) -> np.ndarray:  # (H-2, W, ...) -> (H-2, W-2, ...): taps x-1, x, x+1
        return (r[:, :-2] * k3[0] + r[:, 1:-1] * k3[1]) + r[:, 2:] * k3[2]

    acc = (np.float32(offset) + np.float32(0.5)) + rows(x[2:], k[0:3])  # row y+1 with k[0:3], as Filter.c
    acc = acc + rows(x[1:-1], k[3:6])
    acc = acc + rows(x[:-2], k[6:9])
    out[1:-1, 1:-1] = np.clip(acc, 0.0, 255.0).astype(np.uint8)  # float -> uint8 truncates, as the C cast
    return out


def diff_label(hr: np.ndarray, lr: np.ndarray, scale: int) -> np.ndarray:
    """SRNet's "Diff" label: |HR - up(LR)| filtered by PIL's EDGE_ENHANCE_MORE, then DETAIL (`generate_s_label.py`).

    hr: (H, W, 3) uint8 with H = h*scale, W = w*scale; lr: (h, w, 3) uint8. up = `textsr.degrade.bicubic_upscale`
    (MATLAB bicubic, uint8), replacing PIL's version-dependent `Image.resize` default. Returns (H, W, 3) uint8.
    """
    if hr.dtype != np.uint8 or lr.dtype != np.uint8:
        raise ValueError(f"diff_label expects uint8 images, got {hr.dtype} and {lr.dtype}")
    if hr.shape[:2] != (lr.shape[0] * scale, lr.shape[1] * scale) or hr.shape[2:] != lr.shape[2:]:
        raise ValueError(f"HR {hr.shape} is not LR {lr.shape} x{scale}")
    up = bicubic_upscale(lr, scale)
    d = np.abs(hr.astype(np.int16) - up.astype(np.int16)).astype(np.uint8)  # ImageChops.difference
    d = pil_filter3x3(d, *EDGE_ENHANCE_MORE)
    return pil_filter3x3(d, *DETAIL)


def diff_label_batch(hr_rgb: Tensor, lr_rgb: Tensor, scale: int) -> Tensor:
    """`diff_label` per sample of a batch: (B, 3, H, W) and (B, 3, h, w) RGB 0-255 tensors (rounded to uint8) ->
    (B, 3, H, W) float32 in 0-255 on the CPU."""

    def to_uint8(t: Tensor) -> np.ndarray:
        return t.detach().float().clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()

    hr, lr = to_uint8(hr_rgb), to_uint8(lr_rgb)
    labels = np.stack([diff_label(h, l, scale) for h, l in zip(hr, lr)])
    return torch.from_numpy(labels).permute(0, 3, 1, 2).float()
