"""Loss terms, one class each, registered by name: L = sum_i w_i * term_i, built from a method spec.

As BasicSR's LOSS_REGISTRY: a term is built from options `{"type": <registered name>, "weight": w, ...keywords}`
(`build_loss`). `loss_options(spec)` asks every registered class, in registration order, which instances a resolved
method wants (`options_for`); `build_losses(spec)` builds them. Adding a loss is one `LossTerm` subclass and one
`@register_loss`; the step (`textsr.train.step`) sums the terms in registration order, which is the order of the
float sum (pixel, AD, SD, pixel-to-teacher, the feature-KD term, the network's auxiliary term).

A term computes its RAW (unweighted) value from a step's context (`textsr.train.step.StepContext`): `ctx.sr`,
`ctx.target` (the network's output and HR in its own pixel units: 0-255 RGB for RCAN, [0, 1] Y for FSRCNN),
`ctx.taps` (the student's gate maps, features at `places`, auxiliary outputs), `ctx.lr` / `ctx.hr` (the RGB 0-255
batch), `ctx.extras` (what a special forward adds), and on demand what it declares in `needs`:
"teacher_maps" / "teacher_features" (CRAFT's maps / features of the batch, `ctx.teacher`), "sr_teacher" (a frozen
SR network run on the LR batch: features at `teacher_places` and its output, `ctx.sr_teacher`),
"privileged_teacher" (PISR's teacher run on the HR batch: features only), "privileged_encoding" (PISR step 1's
forward: `ctx.extras["encoded"]`, `ctx.extras["lr_target"]`). `column` names the term in logs and curves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import torch.nn.functional as F
from torch import Tensor, nn

from textsr.distill.maps import ad_loss, sd_loss
from textsr.train.spec import LOSS_TERMS, MethodSpec

#: what a term may need beyond the student's own forward (see the module docstring)
NEEDS = ("teacher_maps", "teacher_features", "sr_teacher", "privileged_teacher", "privileged_encoding")

LOSS_REGISTRY: dict[str, type[LossTerm]] = {}


def register_loss(cls: type[LossTerm]) -> type[LossTerm]:
    """Class decorator: register a LossTerm under `cls.name` (refused if the name is taken or a need unknown)."""
    if cls.name in LOSS_REGISTRY:
        raise ValueError(f"loss term {cls.name!r} is already registered ({LOSS_REGISTRY[cls.name].__name__})")
    unknown = sorted(set(cls.needs) - set(NEEDS))
    if unknown:
        raise ValueError(f"loss term {cls.name!r}: unknown need(s) {unknown}; known: {list(NEEDS)}")
    LOSS_REGISTRY[cls.name] = cls
    return cls


class LossTerm:
    """One term of the loss: `weight` * the raw value `term(ctx)` (a 0-dim tensor, or None: nothing this batch).

    places: student places whose features the term reads (`ctx.taps.features`); teacher_places: the SR teacher's.
    """

    name: ClassVar[str]
    column: ClassVar[str]
    needs: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, weight: float, places: Sequence[str] = (), teacher_places: Sequence[str] = ()):
        self.weight = weight  # kept as given (int or float): w * term is then the same float op as before
        self.places, self.teacher_places = list(places), list(teacher_places)

    @classmethod
    def options_for(cls, spec: MethodSpec) -> list[dict]:
        """Keyword sets (weight, ...) of the instances of this term that a resolved method wants; [] for none."""
        return []

    def trainable(self, model: nn.Module) -> nn.Module | None:
        """Trainable parameters of the term itself (built from the student's shapes), or None."""
        return None

    def __call__(self, ctx) -> Tensor | None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(weight={self.weight!r})"


def _pixel_fn(pixel_loss: str):
    if pixel_loss not in ("l1", "mse"):
        raise ValueError(f"pixel_loss must be l1 or mse, not {pixel_loss!r}")
    return F.l1_loss if pixel_loss == "l1" else F.mse_loss


@register_loss
class Pixel(LossTerm):
    """pixel(SR, HR): L1 (RCAN) or MSE of the network's output against its target, in its own pixel units."""

    name, column = "pixel", "loss_sr"

    def __init__(self, weight: float, pixel_loss: str = "l1"):
        super().__init__(weight)
        self.fn = _pixel_fn(pixel_loss)

    @classmethod
    def options_for(cls, spec):
        return [{"weight": spec.pixel_weight, "pixel_loss": spec.train["pixel_loss"]}]

    def __call__(self, ctx):
        return self.fn(ctx.sr.float(), ctx.target)


class _Pairs(LossTerm):
    """A CRAFT attention-distillation term over (student place, CRAFT layer) pairs."""

    def __init__(self, weight: float, pairs: Sequence[Sequence[str]], places: Sequence[str] = ()):
        super().__init__(weight, places)
        self.pairs = [tuple(p) for p in pairs]

    @property
    def teacher_layers(self) -> list[str]:
        return [layer for _, layer in self.pairs]

    def _teacher(self, ctx, which: int) -> list[Tensor]:
        signals = ctx.teacher[which]
        return [signals[layer].to(ctx.device) for layer in self.teacher_layers]

    def _maps(self, ctx) -> list[Tensor]:
        return [ctx.taps.maps[p] for p, _ in self.pairs]


@register_loss
class AttentionDistillation(_Pairs):
    """AD: each gate's attention map against F(A) of its CRAFT layer (`textsr.distill.ad_loss`)."""

    name, column, needs = "ad", "loss_ad", frozenset({"teacher_maps"})

    @classmethod
    def options_for(cls, spec):
        return [{"weight": spec.distill["w_ad"], "pairs": spec.pairs}] if spec.distill else []

    def __call__(self, ctx):
        return ad_loss(self._maps(ctx), self._teacher(ctx, 0))


@register_loss
class SimilarityOnMaps(_Pairs):
    """SD on the gates' maps against F(A) (`textsr.distill.sd_loss`); config distill.sd_on "maps"."""

    name, column, needs = "sd_maps", "loss_sd", frozenset({"teacher_maps"})

    @classmethod
    def options_for(cls, spec):
        d = spec.distill
        return [{"weight": d["w_sd"], "pairs": spec.pairs}] if d and d["sd_on"] == "maps" else []

    def __call__(self, ctx):
        return sd_loss(self._maps(ctx), self._teacher(ctx, 0))


@register_loss
class SimilarityOnFeatures(_Pairs):
    """SD as defined: the student's features at the gated places against CRAFT's feature maps; sd_on "features"."""

    name, column, needs = "sd_features", "loss_sd", frozenset({"teacher_features"})

    @classmethod
    def options_for(cls, spec):
        d = spec.distill
        if not (d and d["sd_on"] == "features"):
            return []
        return [{"weight": d["w_sd"], "pairs": spec.pairs, "places": spec.attention["places"]}]

    def __call__(self, ctx):
        return sd_loss([ctx.taps.features[p] for p, _ in self.pairs], self._teacher(ctx, 1))


@register_loss
class PixelToTeacher(LossTerm):
    """pixel(SR, SR_teacher): the student's output against the frozen SR teacher's (FAKD's alpha term)."""

    name, column, needs = "out", "loss_out", frozenset({"sr_teacher"})

    def __init__(self, weight: float, pixel_loss: str = "l1"):
        super().__init__(weight)
        self.fn = _pixel_fn(pixel_loss)

    @classmethod
    def options_for(cls, spec):
        k = spec.kd
        if not k or k["type"] == "pisr" or not k["w_out"]:
            return []
        return [{"weight": k["w_out"], "pixel_loss": spec.train["pixel_loss"]}]

    def __call__(self, ctx):
        return self.fn(ctx.sr.float(), ctx.sr_teacher.output.float())


class _FeatureKD(LossTerm):
    """A feature-distillation term from an SR teacher (kd `type` = `kd_type`): student places vs teacher places."""

    kd_type: ClassVar[str]
    needs = frozenset({"sr_teacher"})

    @classmethod
    def options_for(cls, spec):
        k = spec.kd
        if not k or k["type"] != cls.kd_type:
            return []
        return [{"weight": k["w_kd"], "places": k["places"], "teacher_places": k["teacher_places"],
                 **cls._extra_options(k)}]

    @classmethod
    def _extra_options(cls, kd: Mapping) -> dict:
        return {}

    def _pairs(self, ctx) -> tuple[list[Tensor], list[Tensor]]:
        return ([ctx.taps.features[p] for p in self.places],
                [ctx.sr_teacher.features[p] for p in self.teacher_places])


@register_loss
class FAKD(_FeatureKD):
    """FAKD: L1 between student and teacher spatial-affinity matrices, summed over the place pairs."""

    name, column, kd_type = "fakd", "loss_kd", "fakd"

    def __call__(self, ctx):
        from textsr.distill.affinity import fakd_loss

        return fakd_loss(*self._pairs(ctx))


@register_loss
class SRKD(_FeatureKD):
    """SRKD: MSE of channel-statistic maps (`stats`), summed over the place pairs."""

    name, column, kd_type = "srkd", "loss_kd", "srkd"

    def __init__(self, weight, places=(), teacher_places=(), stats: Sequence[str] = ("mean", "std")):
        super().__init__(weight, places, teacher_places)
        self.stats = tuple(stats)

    @classmethod
    def _extra_options(cls, kd):
        return {"stats": kd["stats"]}

    def __call__(self, ctx):
        from textsr.distill.statistics import srkd_loss

        return srkd_loss(*self._pairs(ctx), stats=self.stats)


@register_loss
class VID(_FeatureKD):
    """PISR's VID: -log q(t | s) per place pair with trainable heads (`textsr.distill.vid.VIDLoss`), summed; the
    privileged teacher sees the HR batch."""

    name, column, kd_type = "vid", "loss_kd", "pisr"
    needs = frozenset({"privileged_teacher"})

    def __init__(self, weight, places=(), teacher_places=()):
        super().__init__(weight, places, teacher_places)
        self.heads: nn.ModuleDict | None = None

    def trainable(self, model):
        """One VIDLoss head per place, {"0": ..., "1": ...}, sized by the student's channels (draws torch's RNG)."""
        from textsr.distill.vid import VIDLoss

        channels = [int(c) for c in model.place_channels(self.places)]
        self.heads = nn.ModuleDict({str(i): VIDLoss(c) for i, c in enumerate(channels)})
        return self.heads

    def __call__(self, ctx):
        if self.heads is None:
            raise RuntimeError("VID: call trainable(model) to build the heads before the first step")
        return sum(self.heads[str(i)](s, t) for i, (s, t) in enumerate(zip(*self._pairs(ctx))))


@register_loss
class Auxiliary(LossTerm):
    """The network's own auxiliary losses (`SRNetwork.auxiliary_losses`, weighted inside: SRNet's Diff), summed;
    present when the arch overrides the base method."""

    name, column = "aux", "loss_aux"

    @classmethod
    def options_for(cls, spec):
        from textsr.models.base import SRNetwork
        from textsr.models.registry import arch_class

        overridden = arch_class(spec.arch).auxiliary_losses is not SRNetwork.auxiliary_losses
        return [{"weight": 1.0}] if overridden else []

    def __call__(self, ctx):
        aux = ctx.model.auxiliary_losses(ctx.taps, ctx.lr, ctx.hr)
        return sum(aux.values()) if aux else None


@register_loss
class Imitation(LossTerm):
    """PISR step 1's imitation term: L1(encoder(HR), LR) of the privileged teacher (weight: privileged.lam); no
    method spec asks for it (`textsr.train.privileged` builds it by name)."""

    name, column, needs = "imitation", "loss_kd", frozenset({"privileged_encoding"})

    def __call__(self, ctx):
        from textsr.distill.vid import imitation_loss

        return imitation_loss(ctx.extras["encoded"], ctx.extras["lr_target"])


def build_loss(options: Mapping) -> LossTerm:
    """A term from `{"type": <registered name>, "weight": w, ...keywords of its class}`."""
    opts = dict(options)
    kind = opts.pop("type", None)
    if kind not in LOSS_REGISTRY:
        raise ValueError(f"unknown loss term {kind!r}; registered: {sorted(LOSS_REGISTRY)}")
    if "weight" not in opts:
        raise ValueError(f"loss term {kind!r}: no weight")
    return LOSS_REGISTRY[kind](**opts)


def loss_options(spec: MethodSpec) -> list[dict]:
    """The options of every term a resolved method wants, in registration order (= the order of the sum)."""
    return [{"type": name, **o} for name, cls in LOSS_REGISTRY.items() for o in cls.options_for(spec)]


def build_terms(options: Sequence[Mapping]) -> list[LossTerm]:
    """Terms from a list of options; ValueError when two would share a log column."""
    terms = [build_loss(o) for o in options]
    columns = [t.column for t in terms]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise ValueError(f"loss terms {[t.name for t in terms]} share the column(s) {twice}")
    return terms


def build_losses(spec: MethodSpec) -> list[LossTerm]:
    """The weighted terms of a resolved method: L = sum_i w_i * term_i."""
    return build_terms(loss_options(spec))


def weighted_sum(terms: Sequence[LossTerm], ctx) -> tuple[Tensor, dict[str, Tensor]]:
    """(L = sum_i w_i * term_i, summed left to right in the order given; {column: raw term}). Terms that return
    None are left out of both."""
    total, raw = None, {}
    for term in terms:
        value = term(ctx)
        if value is None:
            continue
        raw[term.column] = value
        total = term.weight * value if total is None else total + term.weight * value
    if total is None:
        raise ValueError("no loss term gave a value")
    return total, raw


def features_wanted(terms: Sequence[LossTerm]) -> list[str]:
    """The student places whose features the terms read, in order, each once."""
    return list(dict.fromkeys(p for t in terms for p in t.places))


def needs_of(terms: Sequence[LossTerm]) -> set[str]:
    """Everything the terms need beyond the student's forward (see NEEDS)."""
    return {n for t in terms for n in t.needs}


def curve_terms(terms: Sequence[LossTerm]) -> tuple[str, ...]:
    """The logged columns of a step with these terms: "loss_total" and each term's column, in LOSS_TERMS order,
    then any other column in the terms' order."""
    columns = ["loss_total", *(t.column for t in terms)]
    return (*(c for c in LOSS_TERMS if c in columns), *(c for c in columns if c not in LOSS_TERMS))

