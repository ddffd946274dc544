"""What every SR student shares: its value range and colour space, named places, attention gates and feature taps.

A student is an `SRNetwork` subclass registered by name (`textsr.models.registry`). Its `forward` is the official
network, with one addition: at each named place of the figure (after a residual group, a block, the body tail)
it calls `self.place(name, x)`. That call

- applies the spatial-attention gate attached at that place, if any (`attach_attention`; the `{student}_sa` and
  `{student}_dat` variants), and
- records the feature and the gate's map when `forward_taps` asked for them (distillation losses read them),

so features are returned by name, not fished out with hooks. Without attached gates and taps, `forward` is the
official network, operation for operation, and `state_dict()` keys are the official checkpoint's: attention
gates live under `sa.<place>.*`, a prefix no official model uses.

Pixel conventions (`encode` / `target` / `decode`): the pipeline hands a network RGB float images in 0-255,
`(B, 3, h, w)`; each class converts to what its official code expects (`input_range` 255 or 1, `colour` "rgb" or
"y"), and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from textsr.util.colour import rgb_to_y, y_to_rgb_with_chroma
from textsr.models.attention import SpatialAttention


@dataclass
class Taps:
    """What one `forward_taps` call recorded.

    maps: {place: (B, 1, h, w) gate map in (0, 1)} of every attached gate; features: {place: (B, C, h, w)} of the
    places asked for (after the gate, where one is attached); aux: {name: tensor} auxiliary outputs a network
    declares (e.g. SRNet's residual branch).
    """

    maps: dict[str, Tensor] = field(default_factory=dict)
    features: dict[str, Tensor] = field(default_factory=dict)
    aux: dict[str, Tensor] = field(default_factory=dict)
    wanted: frozenset[str] = frozenset()


class SRNetwork(nn.Module):
    """Base class of registered SR students (see module docstring).

    Subclasses set `scale` in `__init__`, list their places in forward order in `places()`, call `self.place(name,
    x)` at each of them in `forward`, and implement `kwargs_from_state_dict` so an official checkpoint is
    recognised from its keys and shapes. Class attributes describe the official pixel conventions.
    """

    #: the registry name (set by `textsr.models.registry.register_arch`)
    arch: str = ""
    #: pixel range of the network's input and output: 255 (RGB 0-255: RCAN, RFDN, A2N, SRNet) or 1 (PISR's FSRCNN)
    input_range: float = 255.0
    #: "rgb": 3 channels in and out; "y": the luma channel only (BT.601 as MATLAB rgb2ycbcr, in input_range units)
    colour: str = "rgb"
    #: the smallest LR side (pixels) the official network runs on (RFDN's ESA: 15)
    min_input: int = 1
    #: True when the network only runs on square inputs (SRNet's rot90 attention)
    square_input: bool = False

    def __init__(self) -> None:
        super().__init__()
        self.scale = 1
        self.sa = nn.ModuleDict()
        self._taps: Taps | None = None

    # ------------------------------------------------------------------------------------------- the figure

    def places(self) -> tuple[str, ...]:
        """Named places of `forward`, in order (e.g. RCAN: head, group0 .. group{G-1}, body)."""
        raise NotImplementedError

    def block_places(self) -> tuple[str, ...]:
        """The places after the network's main repeated units (RCAN: its residual groups), in order."""
        raise NotImplementedError

    def default_attention_places(self) -> list[str]:
        """Where `{student}_sa` / `{student}_dat` put gates unless the config says: the middle and the last block
        (RCAN 10 groups: group4 and group9, as the paper config)."""
        blocks = self.block_places()
        return list(dict.fromkeys([blocks[max(len(blocks) // 2 - 1, 0)], blocks[-1]]))

    def place(self, name: str, x: Tensor) -> Tensor:
        """Mark place `name` in `forward`: gate `x` when a gate is attached here, record what `forward_taps` wants.

        x: (B, C, h, w). Returns x, or x * a with a the gate's (B, 1, h, w) map.
        """
        if name in self.sa:
            x, a = self.sa[name](x)
            if self._taps is not None:
                self._taps.maps[name] = a
        if self._taps is not None and name in self._taps.wanted:
            self._taps.features[name] = x
        return x

    def auxiliary(self, name: str, value: Tensor) -> None:
        """Record an auxiliary output (e.g. SRNet's residual-branch image) for `forward_taps`."""
        if self._taps is not None:
            self._taps.aux[name] = value

    # ------------------------------------------------------------------------------------ attention and taps

    def attach_attention(self, places: Iterable[str], kernel_size: int = 7) -> None:
        """Attach a CBAM spatial gate (`SpatialAttention`) after each named place; keys `sa.<place>.conv.*`.

        Gates are created in the order of `places()` (so the same seed gives the same initial weights whatever
        order the config lists them in).
        """
        wanted = list(dict.fromkeys(places))
        known = self.places()
        unknown = [p for p in wanted if p not in known]
        if unknown:
            raise ValueError(f"{type(self).__name__}: no place(s) {unknown}; places are {list(known)}")
        for name in known:
            if name in wanted and name not in self.sa:
                self.sa[name] = SpatialAttention(kernel_size)

    def place_channels(self, places: Iterable[str]) -> list[int]:
        """Channels of the features at `places` (one forward pass on a small square zero input)."""
        side = max(self.min_input, 16)
        device = next(self.parameters()).device
        channels = 1 if self.colour == "y" else 3
        with torch.no_grad():
            _, taps = self.forward_taps(torch.zeros(1, channels, side, side, device=device), list(places))
        return [int(taps.features[p].shape[1]) for p in places]

    @property
    def attention_places(self) -> list[str]:
        """Places with an attached gate, in forward order."""
        return [p for p in self.places() if p in self.sa]

    def forward_taps(self, x: Tensor, features: Iterable[str] = ()) -> tuple[Tensor, Taps]:
        """`forward(x)` that also returns the gates' maps, the features at `features` and auxiliary outputs."""
        wanted = frozenset(features)
        unknown = sorted(wanted - set(self.places()))
        if unknown:
            raise ValueError(f"{type(self).__name__}: no place(s) {unknown}; places are {list(self.places())}")
        self._taps = Taps(wanted=wanted)
        try:
            out = self(x)
            taps = self._taps
        finally:
            self._taps = None
        return out, taps

    # ------------------------------------------------------------------------------------ pixel conventions

    def encode(self, rgb: Tensor) -> Tensor:
        """(B, 3, h, w) RGB float 0-255 -> the network's input: (B, 3 or 1, h, w) in `input_range` units."""
        x = rgb_to_y(rgb) if self.colour == "y" else rgb
        return x if self.input_range == 255.0 else x * (self.input_range / 255.0)

    def target(self, hr_rgb: Tensor) -> Tensor:
        """(B, 3, H, W) RGB float 0-255 HR -> what the pixel loss compares the output with (same space as output)."""
        return self.encode(hr_rgb)

    def decode(self, out: Tensor, lr_rgb: Tensor) -> Tensor:
        """Network output -> (B, 3, H, W) RGB float 0-255, not clamped or rounded.

        lr_rgb: (B, 3, h, w) RGB float 0-255, the input image; Y networks take their chroma from it (upscaled
        bicubically, see `textsr.util.colour.y_to_rgb_with_chroma`).
        """
        y = out if self.input_range == 255.0 else out * (255.0 / self.input_range)
        return y_to_rgb_with_chroma(y, lr_rgb, self.scale) if self.colour == "y" else y

    # ------------------------------------------------------------------------------------ losses and files

    def auxiliary_losses(self, taps: Taps, lr_rgb: Tensor, hr_rgb: Tensor) -> dict[str, Tensor]:
        """Loss terms the official training adds for this network ({name: weighted scalar}); none by default."""
        return {}

    @classmethod
    def kwargs_from_state_dict(cls, state_dict: Mapping[str, Tensor]) -> dict | None:
        """Constructor keywords (scale included where the weights fix it) of the network whose official state dict
        this is, read from its keys and shapes; None when the keys are not this architecture's. `sa.*` keys are
        removed before the call."""
        raise NotImplementedError

    def config(self) -> dict:
        """Constructor keywords that rebuild this network (recorded in the project's model files)."""
        raise NotImplementedError


def attention_places_in(state_dict: Mapping[str, Tensor]) -> tuple[list[str], int | None]:
    """Places and kernel size of the attention gates in a state dict (`sa.<place>.conv.weight` keys)."""
    places = [k.split(".")[1] for k in state_dict if k.startswith("sa.") and k.endswith(".conv.weight")]
    kernel = int(state_dict[f"sa.{places[0]}.conv.weight"].shape[-1]) if places else None
    return places, kernel


def without_attention(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The state dict without its `sa.*` keys."""
    return {k: v for k, v in state_dict.items() if not k.startswith("sa.")}


def count_parameters(model: nn.Module) -> int:
    """Number of parameters (trainable or not, as the papers count them: RCAN's frozen MeanShift included)."""
    return sum(p.numel() for p in model.parameters())


def as_float_tensor(image, device: torch.device | str = "cpu") -> Tensor:
    """(h, w, 3) uint8 array -> (1, 3, h, w) float32 tensor in 0-255 on `device`."""
    return torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).float().to(device)
