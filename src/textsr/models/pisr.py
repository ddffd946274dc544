"""PISR's privileged teacher (Lee et al., "Learning with Privileged Information for Efficient Image
Super-Resolution", ECCV 2020): an encoder that sees the HR image + an FSRCNN decoder, with PISR's keys.

Official code: cvlab-yonsei/PISR @ f66b9799dd0f6d90698b0da8bc47d405eed42103, `models/fsrcnn.py`
(FSRCNNAutoencoder, FSRCNNTeacher), `models/encoder.py` (`get_lcscc_encoder`), `configs/fsrcnn/step1.yml`
(encoder 'lcscc', k 1, scale 2), `losses/loss_factory.py` (`teacher_LR_constraint_loss`: L1(decoder(enc(HR)), HR)
+ 1e-4 L1(enc(HR), LR)). Not a registered student: it needs the HR image.

Keys (as `FSRCNNTeacher.state_dict()`): `backbone.network.encoder.0.{0,2,4,6}.*` (5x5 conv 1 -> d, 5x5 conv d -> d
stride scale, 3x3 d -> s, 3x3 s -> 1) with PReLUs `encoder.0.{1,3,5}.weight`, then the FSRCNN decoder's keys
`backbone.network.{feature_extraction,shrinking,mapping,expanding,last_layer}.*` exactly as the student's
(`textsr.models.fsrcnn`), so `teacher.decoder.state_dict()` initialises the student strictly (PISR step 2).
d 56, s 12, m 4: 98,728 parameters = 86,084 (encoder) + 12,644 (decoder). Y channel in [0, 1], as FSRCNN.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch
from torch import Tensor, nn

from textsr.util.checkpoint import load_checkpoint
from textsr.models.base import SRNetwork
from textsr.models.fsrcnn import FSRCNN, STAGES, Backbone


def lcscc_encoder(scale: int, d: int = 56, s: int = 12) -> nn.Sequential:
    """PISR's 'lcscc' encoder (k = 1, one colour): (B, 1, H, W) HR Y -> (B, 1, ceil(H/scale), ceil(W/scale)),
    the "compressed" LR-sized image the decoder super-resolves. Keys `0.{0..6}` (a Sequential in a Sequential)."""
    return nn.Sequential(nn.Sequential(
        nn.Conv2d(1, d, kernel_size=5, stride=1, padding=2),
        nn.PReLU(),
        nn.Conv2d(d, d, kernel_size=5, stride=scale, padding=2),
        nn.PReLU(),
        nn.Conv2d(d, s, kernel_size=3, stride=1, padding=1),
        nn.PReLU(),
        nn.Conv2d(s, 1, kernel_size=3, stride=1, padding=1),
    ))


class PISRTeacher(SRNetwork):
    """Encoder (sees HR) + FSRCNN decoder (official `FSRCNNTeacher` with encoder 'lcscc', k = 1).

    x: (B, 1, H, W) HR Y in [0, 1] units (`encode` of the HR image), H and W multiples of scale ->
    (B, 1, H, W) its reconstruction. The encoder output (B, 1, H/scale, W/scale) is recorded as auxiliary output
    "encoder" (PISR's `pred_dict['encoder']`). `encoder` and `decoder` are the two halves (the decoder an
    `FSRCNN` sharing this module's stage modules, not registered a second time, so the keys stay PISR's).
    Places: "encoder", then the decoder's ("feature_extraction", ..., "expanding"); PISR distils at "expanding".
    """

    input_range = 1.0
    colour = "y"

    def __init__(self, *, scale: int = 4, d: int = 56, s: int = 12, m: int = 4):
        super().__init__()
        decoder = FSRCNN(scale=scale, d=d, s=s, m=m)
        self.scale, self.d, self.s, self.m = decoder.scale, decoder.d, decoder.s, decoder.m
        stages = OrderedDict([("encoder", lcscc_encoder(self.scale, self.d, self.s))])
        stages.update(decoder.backbone.network.named_children())
        self.backbone = Backbone(nn.Sequential(stages))
        self.__dict__["_decoder"] = decoder  # shares the stage modules; outside `_modules`, so no duplicate keys

    @property
    def encoder(self) -> nn.Module:
        """HR Y (B, 1, H, W) -> compressed LR-sized Y (B, 1, H/scale, W/scale)."""
        return self.backbone.network.encoder

    @property
    def decoder(self) -> FSRCNN:
        """The FSRCNN decoder (same parameters as this teacher's stages; `decoder.state_dict()` has student keys)."""
        return self._decoder

    def places(self) -> tuple[str, ...]:
        return ("encoder", *self.decoder.places())

    def block_places(self) -> tuple[str, ...]:
        return self.decoder.block_places()

    def forward(self, x: Tensor) -> Tensor:
        net = self.backbone.network
        z = self.place("encoder", net.encoder(x))
        self.auxiliary("encoder", z)
        x = self.place("feature_extraction", net.feature_extraction(z))
        x = self.place("shrinking", net.shrinking(x))
        for i, layer in enumerate(net.mapping):
            x = self.place(f"mapping{i}", layer(x))
        x = self.place("expanding", net.expanding(x))
        return net.last_layer(x)

    def teacher_features(self, x: Tensor, places: Iterable[str]) -> list[Tensor]:
        """Features at `places`, in order, for the HR input x (B, 1, H, W) (`encode` of the HR image)."""
        places = list(places)
        _, taps = self.forward_taps(x, places)
        return [taps.features[p] for p in places]

    def config(self) -> dict:
        return {"scale": self.scale, "d": self.d, "s": self.s, "m": self.m}

    @classmethod
    def kwargs_from_state_dict(cls, sd: Mapping[str, Tensor]) -> dict | None:
        """d, s, m from PISR's teacher keys; None for other layouts. The scale (the encoder's stride) is not in
        the weights and is left out."""
        p = "backbone.network."
        needed = [f"{p}encoder.0.0.weight", f"{p}encoder.0.4.weight", f"{p}encoder.0.6.weight",
                  *(f"{p}{stage}.0.0.weight" for stage in STAGES)]
        if not all(k in sd for k in needed):
            return None
        decoder = FSRCNN.kwargs_from_state_dict({k: v for k, v in sd.items() if not k.startswith(p + "encoder.")})
        if decoder is None or decoder["vid_layers"]:
            return None
        return {"d": decoder["d"], "s": decoder["s"], "m": decoder["m"]}


def load_privileged_teacher(path: str | Path, *, scale: int | None = None,
                            device: str | torch.device = "cpu") -> PISRTeacher:
    """A PISR teacher file, loaded strictly, in eval mode on `device`.

    Accepted: this project's `{"state_dict", "meta": {"arch": "pisr_teacher", "model": {...}}}`
    (`textsr.train.train_privileged_teacher`), or an official PISR checkpoint `{"state_dict": ..., ...}` / bare
    state dict, whose scale is not in the weights: pass `scale`. scale given for a project file must match it.
    """
    obj = load_checkpoint(path)
    meta = obj.get("meta") if isinstance(obj, Mapping) and isinstance(obj.get("meta"), Mapping) else {}
    sd = obj.get("state_dict", obj) if isinstance(obj, Mapping) else obj
    if not isinstance(sd, Mapping) or not sd or not all(isinstance(v, Tensor) for v in sd.values()):
        raise ValueError(f"{path}: no state_dict of tensors in this file")
    if meta:
        if meta.get("arch") != "pisr_teacher":
            raise ValueError(f"{path}: a {meta.get('arch')!r} model file, not a PISR teacher (pisr_teacher)")
        kwargs = dict(meta["model"])
        if scale is not None and int(scale) != int(kwargs["scale"]):
            raise ValueError(f"{path}: a x{kwargs['scale']} teacher, but scale {scale} was asked for")
    else:
        kwargs = PISRTeacher.kwargs_from_state_dict(sd)
        if kwargs is None:
            raise ValueError(f"{path}: the keys are not those of PISR's teacher (backbone.network.encoder.*, ...); "
                             f"first keys: {list(sd)[:4]}")
        if scale is None:
            raise ValueError(f"{path}: an official PISR teacher does not record its scale; pass scale=")
        kwargs["scale"] = int(scale)
    model = PISRTeacher(**kwargs)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{path}: the weights do not fit PISRTeacher {kwargs}: {exc}") from None
    return model.eval().to(device)
