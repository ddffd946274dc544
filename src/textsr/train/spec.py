"""Method specs and every training, distillation and KD default: the one torch-free home of these facts.

A method (config `methods.<name>`) is an `arch` of `textsr.models.registry` with its `model` keywords; optional
`attention` gates (`{student}_sa`, `{student}_dat`); optional `distill` (CRAFT attention distillation: AD / SD);
optional `kd` (an SR teacher: FAKD, SRKD, or PISR's VID); and `train` options. `resolve_options` merges the
defaults below and refuses unknown or inconsistent keys without building a network (the planner imports this module
at parse time, so it imports no torch); `textsr.train.students.resolve_method` then checks the options against the
network itself (keywords, place names, minimum input) once per training job.

Also here: CRAFT's teacher signals (layer -> stride) and the teacher-map cache key, which the planner names folders by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Stride (HR pixels per map cell) of each CRAFT feature (methods.md 2.1).
CRAFT_STRIDES = {
    "relu2_2": 2, "relu3_2": 4, "relu4_3": 8, "relu5_3": 16, "fc7": 16,
    "upconv1": 16, "upconv2": 8, "upconv3": 4, "upconv4": 2,
}
#: Default teacher layer per SR scale: the backbone feature whose stride equals the scale (x3: none does; relu2_2
#: is cropped on an even LR grid and resized by 2/3).
DEFAULT_TEACHER_LAYER = {2: "relu2_2", 3: "relu2_2", 4: "relu3_2", 8: "relu4_3"}
#: CRAFT's own score maps as teacher signals (stride 2): channel 0 (region) and 1 (affinity) of its output, raw
#: (no sigmoid), each a 1-channel "feature" whose F(A) is |score|^p.
SCORE_MAPS = {"region": 0, "affinity": 1}
#: Every teacher signal and its stride: the feature maps, then the score maps.
TEACHER_SIGNALS = {**CRAFT_STRIDES, **{name: 2 for name in SCORE_MAPS}}
#: the manifest file of a teacher-map cache folder
MANIFEST = "manifest.json"


def default_teacher_layer(scale: int) -> str:
    """The CRAFT layer whose stride equals `scale` (see DEFAULT_TEACHER_LAYER)."""
    try:
        return DEFAULT_TEACHER_LAYER[int(scale)]
    except KeyError:
        raise ValueError(f"no default teacher layer for scale {scale}; name one in the config") from None


def feature_key(layer: str) -> str:
    """Name of a layer's full feature array in a cache file (`<layer>.feature`, float16 (C, h, w))."""
    return f"{layer}.feature"


def teacher_cache_key(layers: Sequence[str], p: float, features: bool = False) -> str:
    """Folder name of a teacher-map cache: the sorted distinct teacher signals joined by "+", then "-p<p>" with p
    written exactly (repr of the float), then "-feat" when the full features are cached too, e.g.
    `relu2_2+relu3_2-p2.0`, `relu3_2-p2.0-feat`. Inverse: parse_teacher_cache_key."""
    unknown = [l for l in layers if l not in TEACHER_SIGNALS]
    if unknown or not layers:
        raise ValueError(f"unknown or no CRAFT layer(s) {list(layers)}; choose from {sorted(TEACHER_SIGNALS)}")
    return "+".join(sorted(set(layers))) + f"-p{float(p)!r}" + ("-feat" if features else "")


def parse_teacher_cache_key(key: str) -> tuple[list[str], float, bool]:
    """`relu3_2-p2.0` -> (["relu3_2"], 2.0, False); `relu3_2-p2.0-feat` -> (..., True); ValueError on anything
    teacher_cache_key would not write."""
    features = key.endswith("-feat")
    layers, sep, p = key.removesuffix("-feat").rpartition("-p")
    try:
        parsed = (layers.split("+"), float(p), features)
    except ValueError:
        parsed = None
    if not sep or parsed is None or teacher_cache_key(*parsed) != key:
        raise ValueError(f"not a teacher cache key: {key!r} (expected e.g. 'relu3_2-p2.0')")
    return parsed


#: attention dict: gates (CBAM spatial attention) after these places; places None -> the arch's default (the
#: middle and the last block); kernel_size of the gate's conv.
ATTENTION_DEFAULTS = {"places": None, "kernel_size": 7}
#: train dict: iterations; LR patch side (HR = patch_size * scale); Adam lr; StepLR every lr_step iterations by
#: lr_gamma (lr_schedule "step"), or cosine annealing to lr_min over the iterations ("cosine", PISR's); pixel loss
#: "l1" (RCAN) or "mse"; n_val last images (sorted by stem) held out for validation PSNR
#: (Y, shave = scale) every val_every iterations; early_stop {patience, min_delta}: stop when validation PSNR has
#: not risen by more than min_delta dB for `patience` validations in a row, and keep the weights of the last validation
#: that did (also when the run reaches `iterations` first);
#: device "auto" | "cpu" | "cuda[:i]"; deterministic: CUDA's deterministic switches (CPU runs are deterministic
#: anyway); amp "off" | "bf16" | "fp16" (autocast; fp16 on CUDA only; never bit-reproducible); channels_last:
#: NHWC memory format for the network and its inputs.
#: lr 1e-3 suits the tiny default (x4: val PSNR +0.9 dB over bicubic after 300 iterations on Set5 woman, while 2e-4
#: stays below bicubic); the paper recipe is lr 1e-4, lr_step 200000, batch 16, patch 48, 10^6 iterations.
TRAIN_DEFAULTS = {
    "iterations": 300, "batch_size": 8, "patch_size": 24, "lr": 1e-3, "lr_step": 200000, "lr_gamma": 0.5,
    "lr_schedule": "step", "lr_min": 0.0,
    "pixel_loss": "l1", "augment": True, "checkpoint_every": 50, "log_every": 25, "val_every": 100, "n_val": 1,
    "early_stop": None, "device": "auto", "deterministic": True, "amp": "off", "channels_last": False,
}
#: distill dict (CRAFT attention distillation; needs attention gates): teacher_layers None -> the CRAFT layer whose
#: stride equals the scale (one layer is paired with every gate, else one per gate in order); CRAFT layers or its
#: score maps "region" / "affinity"; p of sum_c |A_c|^p; loss weights; sd_on "maps" (the gates' maps against F(A))
#: or "features" (the similarity-preserving loss as defined: the student's features at the gated places against
#: CRAFT's feature maps); craft_weights: CRAFT .pth for computing the teacher per batch (no cache).
#: Weights: w_ad = AT's beta 1000. SD on maps: raw ~5e-3..1e-2 (x4, 24 px LR patches, batch 8; AD ~2e-3, L1 ~8-30),
#: so SP's gamma 3000 would outweigh the pixel loss; 300 keeps the weighted SD (~1.5-3) below it.
DISTILL_DEFAULTS = {
    "teacher_layers": None, "p": 2.0, "w_sr": 1.0, "w_ad": 1000.0, "w_sd": 300.0, "sd_on": "maps",
    "craft_weights": None,
}
#: kd dict (an SR network as teacher): type "fakd" | "srkd" | "pisr"; places: the student's tapped places and
#: teacher_places the teacher's (default: the same names); stats (srkd): which channel statistics; w_sr / w_out /
#: w_kd: weights of pixel(SR, HR), pixel(SR, SR_teacher) and the feature term (defaults per type in KD_TYPES);
#: max_affinity_mib (fakd): memory allowed for the (HW)^2 affinity matrices at the configured patch.
KD_DEFAULTS = {
    "type": None, "places": None, "teacher_places": None, "stats": ["mean", "std"], "w_sr": None, "w_out": None,
    "w_kd": None, "max_affinity_mib": 4096,
}
#: per kd type: default weights (w_sr, w_out, w_kd) from the official recipes (methods.md section 4)
KD_TYPES = {
    "fakd": {"w_sr": 0.5, "w_out": 0.5, "w_kd": 10.0},  # (1 - alpha) L1 + alpha L1(SR, SR_T) + 10 * SA, alpha 0.5
    "srkd": {"w_sr": 1.0, "w_out": 0.0, "w_kd": 1.0},   # no official code: reconstruction + statistics matching
    "pisr": {"w_sr": 1.0, "w_out": 0.0, "w_kd": 1e-6},  # L1 + 1e-6 VID at the expanding layer
}
#: privileged dict (PISR step 1, `train_privileged_teacher`): lam = weight of L1(encoder(HR), LR) (1e-4)
PRIVILEGED_DEFAULTS = {"lam": 1e-4}
#: early_stop dict (in train): patience validations without a rise of more than min_delta dB
EARLY_STOP_DEFAULTS = {"patience": 3, "min_delta": 0.0}
CHECKPOINT_NAME = "last.pt"
#: loss terms a curve may hold, in column order (a method writes those it has)
LOSS_TERMS = ("loss_total", "loss_sr", "loss_out", "loss_ad", "loss_sd", "loss_kd", "loss_aux")


def _merge(name: str, defaults: Mapping, given: Mapping | None) -> dict:
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"unknown {name} option(s) {unknown}; known: {sorted(defaults)}")
    return {**defaults, **given}


@dataclass
class MethodSpec:
    """A method fully resolved: defaults merged in, unknown keys refused, derived values filled in."""

    arch: str
    scale: int
    model: dict
    attention: dict | None
    train: dict
    distill: dict | None = None
    kd: dict | None = None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """(student place, CRAFT layer) pairs of attention distillation, in order."""
        if not self.distill:
            return []
        return list(zip(self.attention["places"], self.distill["teacher_layers"]))

    @property
    def pixel_weight(self) -> float:
        if self.kd:
            return float(self.kd["w_sr"])
        return float(self.distill["w_sr"]) if self.distill else 1.0


def resolve_options(arch: str, scale: int, model: Mapping | None = None, attention: Mapping | None = None,
                    train: Mapping | None = None, distill: Mapping | None = None,
                    kd: Mapping | None = None) -> MethodSpec:
    """A method's dicts with the defaults above merged in; ValueError on unknown keys or inconsistent values.

    Torch-free: `model` is kept as given (plus `scale`); attention `places` None stays None (the arch's default
    places, filled in by `textsr.train.students.resolve_method`, which also checks place names against the network).
    attention None: no gates; {} or {places: None}: gates at the arch's default places.
    """
    m = {**dict(model or {}), "scale": int(scale)}
    t = resolve_train(train)
    a = None if attention is None else _merge("attention", ATTENTION_DEFAULTS, attention)
    if a is not None and a["places"] is not None:
        a["places"] = list(a["places"])
    d = None if distill is None else _resolve_distill(distill, a, scale)
    k = None if kd is None else _resolve_kd(kd, distill)
    return MethodSpec(arch=arch, scale=int(scale), model=m, attention=a, train=t, distill=d, kd=k)


def resolve_train(train: Mapping | None) -> dict:
    """A train dict with TRAIN_DEFAULTS (and early_stop's defaults) merged in; ValueError on unknown keys or values."""
    t = _merge("train", TRAIN_DEFAULTS, train)
    for key, allowed in (("pixel_loss", ("l1", "mse")), ("lr_schedule", ("step", "cosine")),
                         ("amp", ("off", "bf16", "fp16"))):
        if t[key] not in allowed:
            raise ValueError(f"{key} must be {' or '.join(allowed)}, not {t[key]!r}")
    if t["early_stop"] is not None:
        t["early_stop"] = _merge("early_stop", EARLY_STOP_DEFAULTS, t["early_stop"])
    return t


def resolve_privileged(privileged: Mapping | None) -> dict:
    """PISR step 1's privileged dict with PRIVILEGED_DEFAULTS merged in; ValueError on unknown keys."""
    return _merge("privileged", PRIVILEGED_DEFAULTS, privileged)


def _resolve_distill(distill: Mapping, attention: dict | None, scale: int) -> dict:
    if attention is None:
        raise ValueError("distill (CRAFT attention distillation) needs attention gates: add `attention`")
    d = _merge("distill", DISTILL_DEFAULTS, distill)
    if d["sd_on"] not in ("maps", "features"):
        raise ValueError(f"sd_on must be maps or features, not {d['sd_on']!r}")
    layers = list(d["teacher_layers"] or [default_teacher_layer(scale)])
    bad = [x for x in layers if x not in TEACHER_SIGNALS]
    if bad:
        raise ValueError(f"unknown teacher layer(s) {bad}; choose from {sorted(TEACHER_SIGNALS)}")
    d["teacher_layers"] = layers
    if attention["places"] is not None:
        d["teacher_layers"] = pair_layers(layers, attention["places"])
    return d


def pair_layers(layers: list[str], places: list[str]) -> list[str]:
    """One teacher layer per attention place: one layer serves every place, else one per place in order."""
    if len(layers) == 1:
        return layers * len(places)
    if len(layers) != len(places):
        raise ValueError(f"{len(layers)} teacher_layers for {len(places)} attention places: give one or as many")
    return list(layers)


def _resolve_kd(kd: Mapping, distill: Mapping | None) -> dict:
    k = _merge("kd", KD_DEFAULTS, kd)
    if k["type"] not in KD_TYPES:
        raise ValueError(f"kd type must be one of {sorted(KD_TYPES)}, not {k['type']!r}")
    for key, value in KD_TYPES[k["type"]].items():
        k[key] = value if k[key] is None else float(k[key])
    if distill is not None and "w_sr" in distill:
        raise ValueError("set the pixel weight w_sr in `kd` (it is shared with distill): remove distill.w_sr")
    k["places"] = list(k["places"] or [])
    if not k["places"]:
        raise ValueError("kd needs student places (`places`)")
    k["teacher_places"] = list(k["teacher_places"] or k["places"])
    if len(k["teacher_places"]) != len(k["places"]):
        raise ValueError(f"kd: {len(k['teacher_places'])} teacher_places for {len(k['places'])} places")
    return k
