"""FSRCNN (Dong, Loy, Tang, ECCV 2016) as PISR's student, with PISR's module layout so `state_dict()` keys equal
the checkpoints PISR writes (`backbone.network.*`).

Official code: cvlab-yonsei/PISR @ f66b9799dd0f6d90698b0da8bc47d405eed42103, `models/fsrcnn.py` (FSRCNN,
FSRCNNStudent), `models/vid_module.py`, `configs/fsrcnn/*.yml`, `datasets/data_utils.py`, `utils/checkpoint.py`.
PISR saves `{"state_dict": FSRCNNStudent.state_dict(), "optimizer_dict", "epoch", "step"}`; the student holds
`backbone` (PISR's FSRCNN module) whose `network` is an OrderedDict Sequential of five stages, each a Sequential of
Sequentials, and, when trained with VID (`vid_info: ['expanding:None']`, step 2), the VID heads
`vid_module_dict.expanding_{mean,var}`.

Keys: `backbone.network.feature_extraction.0.{0,1}.*` (5x5 conv 1 -> d, PReLU), `...shrinking.0.{0,1}.*` (1x1
d -> s, PReLU), `...mapping.{i}.{0,1}.*` (m x [3x3 s -> s, PReLU]), `...expanding.0.{0,1}.*` (1x1 s -> d, PReLU),
`...last_layer.0.0.*` (9x9 transposed conv d -> 1, stride = scale, padding 4, output_padding scale - 1); with
`vid_layers`: `vid_module_dict.{layer}_mean.{0,1,2}.*` and `vid_module_dict.{layer}_var.{0,1,2}.*` (1x1 conv,
PReLU, 1x1 conv; the var head ends with a parameter-free Softplus). d 56, s 12, m 4: 12,644 parameters (without
VID heads; 12,770 more with the expanding heads).

Pixels: the Y channel only (`n_colors: 1`), in [0, 1] (`rgb_range: 1`): PISR converts RGB uint8 with
`skimage.color.rgb2ycbcr(img)[:, :, 0]` (BT.601 studio swing, Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255,
float, not rounded) and multiplies by rgb_range / 255, which is `SRNetwork.encode` with colour "y" and
input_range 1 (`textsr.util.colour.rgb_to_y`). Colour output takes Cb, Cr from the bicubically upscaled LR image
(`SRNetwork.decode`).

The scale is not in the weights (the transposed conv's stride and output padding carry it), so
`kwargs_from_state_dict` leaves it out: the caller supplies it. PISR's released configs are x2.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from torch import Tensor, nn

from textsr.models.base import SRNetwork

#: FSRCNN stages in forward order (PISR's `network` keys)
STAGES = ("feature_extraction", "shrinking", "mapping", "expanding", "last_layer")


class Backbone(nn.Module):
    """PISR's `FSRCNN` module: `network`, the stages in forward order (keys `network.<stage>.*`)."""

    def __init__(self, network: nn.Sequential):
        super().__init__()
        self.network = network


def _conv_prelu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=kernel_size // 2),
                         nn.PReLU())


def fsrcnn_stages(scale: int, d: int = 56, s: int = 12, m: int = 4, n_colors: int = 1) -> OrderedDict:
    """PISR's FSRCNN stages {name: Sequential}, as `models/fsrcnn.py` builds them (PyTorch default init)."""
    return OrderedDict([
        ("feature_extraction", nn.Sequential(_conv_prelu(n_colors, d, 5))),
        ("shrinking", nn.Sequential(_conv_prelu(d, s, 1))),
        ("mapping", nn.Sequential(*[_conv_prelu(s, s, 3) for _ in range(m)])),
        ("expanding", nn.Sequential(_conv_prelu(s, d, 1))),
        ("last_layer", nn.Sequential(nn.Sequential(
            nn.ConvTranspose2d(d, n_colors, kernel_size=9, stride=scale, padding=9 // 2,
                               output_padding=scale - 1)))),
    ])


def vid_heads(channels: int) -> tuple[nn.Sequential, nn.Sequential]:
    """PISR's VID adaptation heads for one layer, heteroscedastic option 'None' (`vid_module.py`): mean = 1x1
    conv, PReLU, 1x1 conv (C -> C); var = the same, then Softplus (module name "4", as `add_module(str(len + 1))`)."""

    def head() -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(channels, channels, 1), nn.PReLU(), nn.Conv2d(channels, channels, 1))

    mean, var = head(), head()
    var.add_module(str(len(var) + 1), nn.Softplus())
    return mean, var


class FSRCNN(SRNetwork):
    """Fast SR CNN on the luma channel (PISR's student).

    x: (B, 1, h, w) Y in [16/255, 235/255] -> (B, 1, h*scale, w*scale) Y in [0, 1] units (not clamped).
    Places: "feature_extraction", "shrinking", "mapping0" .. "mapping{m-1}", "expanding" (PISR distils there,
    (B, d, h, w)). vid_layers: stages whose PISR VID heads the network carries (official step-2 students:
    ("expanding",)); they only make such checkpoints load strictly: the forward does not use them.
    """

    input_range = 1.0
    colour = "y"

    def __init__(self, *, scale: int = 4, d: int = 56, s: int = 12, m: int = 4, vid_layers: Sequence[str] = ()):
        super().__init__()
        if int(scale) < 1:
            raise ValueError(f"scale must be a positive integer, got {scale}")
        self.scale, self.d, self.s, self.m = int(scale), int(d), int(s), int(m)
        self.backbone = Backbone(nn.Sequential(fsrcnn_stages(self.scale, self.d, self.s, self.m)))
        self.vid_layers = tuple(vid_layers)
        unknown = [layer for layer in self.vid_layers if layer not in STAGES[:-1]]
        if unknown:
            raise ValueError(f"vid_layers {unknown} are not FSRCNN stages {list(STAGES[:-1])}")
        heads: list[tuple[str, nn.Module]] = []
        for layer in self.vid_layers:
            mean, var = vid_heads(self.d if layer in ("feature_extraction", "expanding") else self.s)
            heads += [(f"{layer}_mean", mean), (f"{layer}_var", var)]
        self.vid_module_dict = nn.Sequential(OrderedDict(heads))

    def places(self) -> tuple[str, ...]:
        return ("feature_extraction", "shrinking", *self.block_places(), "expanding")

    def block_places(self) -> tuple[str, ...]:
        return tuple(f"mapping{i}" for i in range(self.m))

    def forward(self, x: Tensor) -> Tensor:
        net = self.backbone.network
        x = self.place("feature_extraction", net.feature_extraction(x))
        x = self.place("shrinking", net.shrinking(x))
        for i, layer in enumerate(net.mapping):
            x = self.place(f"mapping{i}", layer(x))
        x = self.place("expanding", net.expanding(x))
        return net.last_layer(x)

    def config(self) -> dict:
        return {"scale": self.scale, "d": self.d, "s": self.s, "m": self.m, "vid_layers": list(self.vid_layers)}

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """d, s, m and the VID layers from PISR's student keys (`backbone.network.*`, `vid_module_dict.*`); None
        for other layouts, PISR's privileged teacher (`backbone.network.encoder.*`) included. The scale is not in
        the weights and is left out."""
        p = "backbone.network."
        needed = [f"{p}{stage}.0.0.weight" for stage in STAGES]
        if not all(k in sd for k in needed) or any(k.startswith(p + "encoder.") for k in sd):
            return None
        fe = sd[f"{p}feature_extraction.0.0.weight"]
        if int(fe.shape[1]) != 1:
            raise ValueError(f"{p}feature_extraction.0.0.weight takes {int(fe.shape[1])} channels: only the Y-channel "
                             f"FSRCNN (n_colors 1) is supported")
        rx = re.compile(re.escape(p) + r"mapping\.(\d+)\.0\.weight")
        vid = re.compile(r"vid_module_dict\.(\w+)_mean\.0\.weight")
        return {
            "d": int(fe.shape[0]),
            "s": int(sd[f"{p}shrinking.0.0.weight"].shape[0]),
            "m": len({mt.group(1) for k in sd if (mt := rx.fullmatch(k))}),
            "vid_layers": sorted({mt.group(1) for k in sd if (mt := vid.fullmatch(k)) and mt.group(1) in STAGES},
                                 key=STAGES.index),
        }
