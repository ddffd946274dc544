"""One optimisation step: forward, L = sum_i w_i * term_i (`textsr.train.losses`), backward, optimiser step.

`Step` is the shared mechanics (autocast, the weighted sum, gradient scaling); `Stepper` is a student's step (shared
by `train_sr` and bench/train_step.py); PISR's privileged teacher has its own forward
(`textsr.train.privileged.PrivilegedStep`). What the terms read is a `StepContext`; the teachers they declare in
`needs` run at most once per batch, on first use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import torch
from torch import Tensor

from textsr.distill.teacher import teacher_maps_from_images
from textsr.models.base import SRNetwork, Taps
from textsr.train.losses import LossTerm, build_losses, features_wanted, needs_of, weighted_sum
from textsr.train.spec import MethodSpec


def autocast(device: torch.device, amp: str):
    """torch.autocast for amp "bf16" / "fp16" (CUDA only), a no-op context for "off"."""
    if amp == "off":
        return contextlib.nullcontext()
    if amp == "fp16" and device.type != "cuda":
        raise ValueError("amp fp16 needs a CUDA device; use bf16 on the CPU")
    return torch.autocast(device.type, dtype=torch.bfloat16 if amp == "bf16" else torch.float16)


class TeacherOutput(NamedTuple):
    """An SR teacher on one batch: {place: (B, C, h, w) feature}; its output in the student's target units, or None
    (privileged teacher)."""

    features: dict[str, Tensor]
    output: Tensor | None


class CraftSignals:
    """CRAFT's teacher signals of a batch: cropped from the cache (batch["teacher"], batch["teacher_features"]) or
    computed per batch from the HR patches with `craft`. layers: the distinct CRAFT layers; p of F(A)."""

    def __init__(self, layers: Sequence[str], p: float, features: bool, craft=None):
        self.layers, self.p, self.features, self.craft = sorted(set(layers)), p, bool(features), craft

    def __call__(self, batch: Mapping, hr: Tensor) -> tuple[dict, dict]:
        if "teacher" in batch:
            feats = batch.get("teacher_features", {}) if self.features else {}
            if self.features and set(feats) != set(self.layers):
                raise ValueError("SD on features needs a teacher cache with features (or teacher_cache: false)")
            return batch["teacher"], feats
        if self.craft is None:
            raise ValueError("distillation without cached teacher maps needs a CRAFT model (craft_weights)")
        return teacher_maps_from_images(self.craft, hr, self.layers, self.p, features=self.features)


class SRTeacherSignals:
    """A frozen SR teacher run without gradients: on the LR batch (features at `places`, output), or, privileged
    (PISR), on the HR batch (features only)."""

    def __init__(self, teacher: SRNetwork, places: Sequence[str], privileged: bool):
        self.teacher, self.places, self.privileged = teacher, list(dict.fromkeys(places)), privileged

    def __call__(self, student: SRNetwork, lr: Tensor, hr: Tensor) -> TeacherOutput:
        t = self.teacher
        with torch.no_grad():
            if self.privileged:
                return TeacherOutput(dict(zip(self.places, t.teacher_features(t.encode(hr), self.places))), None)
            out_t, taps = t.forward_taps(t.encode(lr), self.places)
            return TeacherOutput({p: taps.features[p] for p in self.places}, student.target(t.decode(out_t, lr)))


@dataclass
class StepContext:
    """One batch as the loss terms see it. lr, hr: (B, 3, P, P), (B, 3, sP, sP) RGB 0-255 on the device; sr, target:
    the network's output and HR in its own units; taps: the student's maps / features / auxiliary outputs."""

    model: torch.nn.Module
    batch: Mapping
    lr: Tensor
    hr: Tensor
    sr: Tensor
    target: Tensor
    taps: Taps | None = None
    extras: dict = field(default_factory=dict)
    craft: CraftSignals | None = None
    sr_source: SRTeacherSignals | None = None

    @property
    def device(self) -> torch.device:
        return self.lr.device

    @cached_property
    def teacher(self) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """({CRAFT layer: (B, 1, P, P) F(A)}, {layer: (B, C, P, P) feature} or {})."""
        if self.craft is None:
            raise ValueError("a loss term needs CRAFT teacher maps, but the method has no distill settings")
        return self.craft(self.batch, self.hr)

    @cached_property
    def sr_teacher(self) -> TeacherOutput:
        if self.sr_source is None:
            raise ValueError("a loss term needs an SR teacher, but none was given")
        return self.sr_source(self.model, self.lr, self.hr)


class Step:
    """Forward (`forward`, per subclass), L = sum_i w_i * term_i, backward, optimiser step; returns
    {"loss_total": L, column: raw term} as floats. scaler: a GradScaler (amp fp16)."""

    def __init__(self, model: torch.nn.Module, optimizer, losses: Sequence[LossTerm], *, amp: str = "off",
                 channels_last: bool = False, scaler=None):
        self.model, self.optimizer, self.losses = model, optimizer, list(losses)
        self.amp, self.channels_last, self.scaler = amp, bool(channels_last), scaler
        self.device = next(model.parameters()).device

    def _to(self, x: Tensor) -> Tensor:
        x = x.to(self.device)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def forward(self, batch: Mapping, lr: Tensor, hr: Tensor) -> StepContext:
        raise NotImplementedError

    def __call__(self, batch: Mapping) -> dict[str, float]:
        lr, hr = self._to(batch["lr"]), self._to(batch["hr"])
        self.model.train()
        with autocast(self.device, self.amp):
            total, terms = weighted_sum(self.losses, self.forward(batch, lr, hr))
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(total).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            total.backward()
            self.optimizer.step()
        return {"loss_total": float(total.detach()), **{k: float(v.detach()) for k, v in terms.items()}}


class Stepper(Step):
    """One optimisation step of a resolved method's student.

    batch: {"lr": (B, 3, P, P), "hr": (B, 3, sP, sP) RGB 0-255[, "teacher": {layer: (B, 1, P', P') maps}[,
    "teacher_features": {layer: (B, C, P', P')}]]}. Without cached teacher maps they are computed from the HR batch
    with `craft` (per-batch fallback). `sr_teacher`: a frozen SR network (kd fakd / srkd), or PISR's privileged
    teacher (kd pisr, fed the HR batch). losses: the method's terms (default `build_losses(spec)`; terms with
    trainable parts, PISR's VID heads, must have been given their parameters: `LossTerm.trainable`).
    """

    def __init__(self, model: SRNetwork, optimizer, spec: MethodSpec, *, craft=None, sr_teacher=None, scaler=None,
                 losses: Sequence[LossTerm] | None = None):
        super().__init__(model, optimizer, build_losses(spec) if losses is None else losses,
                         amp=spec.train["amp"], channels_last=spec.train["channels_last"], scaler=scaler)
        self.spec, self.features = spec, features_wanted(self.losses)
        needs = needs_of(self.losses)
        self.craft = None
        if needs & {"teacher_maps", "teacher_features"} and spec.distill:
            layers = [l for t in self.losses for l in getattr(t, "teacher_layers", ())]
            self.craft = CraftSignals(layers, spec.distill["p"], "teacher_features" in needs, craft)
        self.sr_source = None
        privileged = "privileged_teacher" in needs
        if needs & {"sr_teacher", "privileged_teacher"}:
            if sr_teacher is None:
                raise ValueError(f"loss terms {[t.name for t in self.losses]} need an SR teacher (sr_teacher)")
            if privileged and "sr_teacher" in needs:
                raise ValueError("one SR teacher cannot be both privileged (sees HR) and plain (sees LR)")
            places = [p for t in self.losses for p in t.teacher_places]
            self.sr_source = SRTeacherSignals(sr_teacher, places, privileged)

    def forward(self, batch, lr, hr):
        model = self.model
        sr, taps = model.forward_taps(model.encode(lr), self.features)
        return StepContext(model=model, batch=batch, lr=lr, hr=hr, sr=sr, target=model.target(hr), taps=taps,
                           craft=self.craft, sr_source=self.sr_source)
