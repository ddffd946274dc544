"""Train SR students: any registered architecture, plain, with attention gates, with CRAFT attention distillation
and/or an SR teacher; deterministic from the seed, checkpointed, resumable bit-identically after a kill.

A method is (`textsr.train.MethodSpec`): an `arch` of `textsr.models.registry` with its `model` keywords; optional
`attention` gates (`{student}_sa`, `{student}_dat`); optional `distill` (CRAFT attention distillation: AD / SD);
optional `kd` (an SR teacher: FAKD, SRKD, or PISR's VID); and `train` options. Model file written at the end:
`{"state_dict": ..., "meta": {"arch", "model", "attention", "method", "seed", "iterations", ...}}`, which
`textsr.superres.load_sr_model` rebuilds.

Losses, in the network's own pixel units (0-255 for RCAN; [0, 1] Y for FSRCNN, as the official code):
total = w_sr * pixel(SR, HR) + w_out * pixel(SR, SR_teacher) + w_ad * AD + w_sd * SD + w_kd * KD + auxiliary.
The progress log and the curve file report each term RAW (unweighted) and the weighted total.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from textsr.atomic import atomic_path, write_text_atomic
from textsr.checkpoint import load_checkpoint
from textsr.data.patches import PatchSampler, load_pair, pair_paths
from textsr.degrade import bicubic_upscale
from textsr.device import resolve_device
from textsr.distill import MANIFEST, ad_loss, default_teacher_layer, sd_loss, teacher_maps_from_images
from textsr.distill.teacher import TEACHER_SIGNALS
from textsr.evaluation.image_metrics import psnr_y
from textsr.models.base import SRNetwork, count_parameters
from textsr.models.registry import arch_class, build_arch
from textsr.superres import superres_image

log = logging.getLogger(__name__)

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


def resolve_method(arch: str, scale: int, model: Mapping | None = None, attention: Mapping | None = None,
                   train: Mapping | None = None, distill: Mapping | None = None,
                   kd: Mapping | None = None) -> MethodSpec:
    """Resolve a method's dicts (see the *_DEFAULTS above); ValueError on anything inconsistent.

    attention None: no gates; {} or {places: None}: gates at the arch's default places.
    """
    cls = arch_class(arch)
    m = dict(model or {})
    m["scale"] = int(scale)
    probe = build_arch(arch, **m)  # validates the keywords; the trained net is built again from the seed
    t = _merge("train", TRAIN_DEFAULTS, train)
    if t["pixel_loss"] not in ("l1", "mse"):
        raise ValueError(f"pixel_loss must be l1 or mse, not {t['pixel_loss']!r}")
    if t["lr_schedule"] not in ("step", "cosine"):
        raise ValueError(f"lr_schedule must be step or cosine, not {t['lr_schedule']!r}")
    if t["amp"] not in ("off", "bf16", "fp16"):
        raise ValueError(f"amp must be off, bf16 or fp16, not {t['amp']!r}")
    if t["early_stop"] is not None:
        t["early_stop"] = _merge("early_stop", {"patience": 3, "min_delta": 0.0}, t["early_stop"])
    if int(t["patch_size"]) < cls.min_input:
        raise ValueError(f"{arch} needs LR inputs of at least {cls.min_input} px; patch_size is {t['patch_size']}")
    a = None
    if attention is not None:
        a = _merge("attention", ATTENTION_DEFAULTS, attention)
        a["places"] = list(a["places"] or probe.default_attention_places())
        probe.attach_attention(a["places"], a["kernel_size"])  # checks the place names
        a["places"] = probe.attention_places
    d = None
    if distill is not None:
        if a is None:
            raise ValueError("distill (CRAFT attention distillation) needs attention gates: add `attention`")
        d = _merge("distill", DISTILL_DEFAULTS, distill)
        if d["sd_on"] not in ("maps", "features"):
            raise ValueError(f"sd_on must be maps or features, not {d['sd_on']!r}")
        layers = list(d["teacher_layers"] or [default_teacher_layer(scale)])
        bad = [x for x in layers if x not in TEACHER_SIGNALS]
        if bad:
            raise ValueError(f"unknown teacher layer(s) {bad}; choose from {sorted(TEACHER_SIGNALS)}")
        if len(layers) == 1:
            layers = layers * len(a["places"])
        if len(layers) != len(a["places"]):
            raise ValueError(f"{len(layers)} teacher_layers for {len(a['places'])} attention places: give one or "
                             f"as many")
        d["teacher_layers"] = layers
    k = None
    if kd is not None:
        k = _merge("kd", KD_DEFAULTS, kd)
        if k["type"] not in KD_TYPES:
            raise ValueError(f"kd type must be one of {sorted(KD_TYPES)}, not {k['type']!r}")
        for key, value in KD_TYPES[k["type"]].items():
            k[key] = value if k[key] is None else float(k[key])
        if d is not None and "w_sr" in (distill or {}):
            raise ValueError("set the pixel weight w_sr in `kd` (it is shared with distill): remove distill.w_sr")
        places = list(k["places"] or [])
        unknown = [p for p in places if p not in probe.places()]
        if not places or unknown:
            raise ValueError(f"kd needs student places (unknown: {unknown}); {arch} has {list(probe.places())}")
        k["places"] = places
        k["teacher_places"] = list(k["teacher_places"] or places)
        if len(k["teacher_places"]) != len(places):
            raise ValueError(f"kd: {len(k['teacher_places'])} teacher_places for {len(places)} places")
    return MethodSpec(arch=arch, scale=int(scale), model=probe.config(), attention=a, train=t, distill=d, kd=k)


def make_model(spec: MethodSpec) -> SRNetwork:
    """The student of a resolved method (weights initialised from torch's current RNG)."""
    model = dict(spec.model)
    return build_arch(spec.arch, attention=spec.attention, **model)


# ---------------------------------------------------------------------------------------------------- one step


def _autocast(device: torch.device, amp: str):
    if amp == "off":
        return contextlib.nullcontext()
    if amp == "fp16" and device.type != "cuda":
        raise ValueError("amp fp16 needs a CUDA device; use bf16 on the CPU")
    return torch.autocast(device.type, dtype=torch.bfloat16 if amp == "bf16" else torch.float16)


class Stepper:
    """One optimisation step of a resolved method (shared by train_sr and bench/train_step.py).

    batch: {"lr": (B, 3, P, P), "hr": (B, 3, sP, sP) RGB 0-255[, "teacher": {layer: (B, 1, P', P') maps}[,
    "teacher_features": {layer: (B, C, P', P')}]]}. Without cached teacher maps they are computed from the HR batch
    with `craft` (per-batch fallback). `sr_teacher`: a frozen SR network (kd fakd / srkd), or PISR's privileged
    teacher (kd pisr, fed the HR batch); `kd_module`: the trainable VID head (kd pisr). Returns raw loss terms.
    """

    def __init__(self, model: SRNetwork, optimizer, spec: MethodSpec, *, craft=None, sr_teacher=None,
                 kd_module=None, scaler=None):
        self.model, self.optimizer, self.spec = model, optimizer, spec
        self.pixel = F.l1_loss if spec.train["pixel_loss"] == "l1" else F.mse_loss
        self.craft, self.sr_teacher, self.kd_module, self.scaler = craft, sr_teacher, kd_module, scaler
        self.device = next(model.parameters()).device
        self.channels_last = bool(spec.train["channels_last"])

    def _to(self, x: Tensor) -> Tensor:
        x = x.to(self.device)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def _features(self) -> list[str]:
        wanted = []
        if self.spec.distill and self.spec.distill["sd_on"] == "features":
            wanted += self.spec.attention["places"]
        if self.spec.kd:
            wanted += self.spec.kd["places"]
        return list(dict.fromkeys(wanted))

    def _teacher(self, batch: Mapping, hr: Tensor) -> tuple[dict, dict]:
        """CRAFT teacher maps (and features for SD on features) of the batch: cached crops or per batch."""
        d = self.spec.distill
        layers = sorted(set(d["teacher_layers"]))
        want_feats = d["sd_on"] == "features"
        if "teacher" in batch:
            feats = batch.get("teacher_features", {}) if want_feats else {}
            if want_feats and set(feats) != set(layers):
                raise ValueError("SD on features needs a teacher cache with features (or teacher_cache: false)")
            return batch["teacher"], feats
        if self.craft is None:
            raise ValueError("distillation without cached teacher maps needs a CRAFT model (craft_weights)")
        return teacher_maps_from_images(self.craft, hr, layers, d["p"], features=want_feats)

    def _kd_loss(self, taps, lr: Tensor, hr: Tensor, x: Tensor) -> tuple[dict[str, Tensor], Tensor | None]:
        """Feature-distillation term and the teacher's SR output (None for PISR) from the SR teacher."""
        from textsr.distill.affinity import fakd_loss
        from textsr.distill.statistics import srkd_loss

        k = self.spec.kd
        student = [taps.features[p] for p in k["places"]]
        with torch.no_grad():
            if k["type"] == "pisr":
                t_feats = self.sr_teacher.teacher_features(self.sr_teacher.encode(hr), k["teacher_places"])
                sr_t = None
            else:
                out_t, t_taps = self.sr_teacher.forward_taps(self.sr_teacher.encode(lr), k["teacher_places"])
                t_feats = [t_taps.features[p] for p in k["teacher_places"]]
                sr_t = self.model.target(self.sr_teacher.decode(out_t, lr))
        if k["type"] == "fakd":
            term = fakd_loss(student, t_feats)
        elif k["type"] == "srkd":
            term = srkd_loss(student, t_feats, stats=tuple(k["stats"]))
        else:
            term = sum(self.kd_module[str(i)](s, t) for i, (s, t) in enumerate(zip(student, t_feats)))
        return {"loss_kd": term}, sr_t

    def __call__(self, batch: Mapping) -> dict[str, float]:
        spec, model = self.spec, self.model
        lr, hr = self._to(batch["lr"]), self._to(batch["hr"])
        model.train()
        with _autocast(self.device, spec.train["amp"]):
            x = model.encode(lr)
            sr, taps = model.forward_taps(x, self._features())
            target = model.target(hr)
            loss_sr = self.pixel(sr.float(), target)
            total = spec.pixel_weight * loss_sr
            terms = {"loss_sr": loss_sr}
            if spec.distill:
                d = spec.distill
                t_maps, t_feats = self._teacher(batch, hr)
                s_maps = [taps.maps[p] for p, _ in spec.pairs]
                loss_ad = ad_loss(s_maps, [t_maps[layer].to(self.device) for _, layer in spec.pairs])
                if d["sd_on"] == "maps":
                    loss_sd = sd_loss(s_maps, [t_maps[layer].to(self.device) for _, layer in spec.pairs])
                else:
                    loss_sd = sd_loss([taps.features[p] for p, _ in spec.pairs],
                                      [t_feats[layer].to(self.device) for _, layer in spec.pairs])
                total = total + d["w_ad"] * loss_ad + d["w_sd"] * loss_sd
                terms.update(loss_ad=loss_ad, loss_sd=loss_sd)
            if spec.kd:
                kd_terms, sr_t = self._kd_loss(taps, lr, hr, x)
                if sr_t is not None and spec.kd["w_out"]:
                    terms["loss_out"] = self.pixel(sr.float(), sr_t.float())
                    total = total + spec.kd["w_out"] * terms["loss_out"]
                total = total + spec.kd["w_kd"] * kd_terms["loss_kd"]
                terms.update(kd_terms)
            aux = model.auxiliary_losses(taps, lr, hr)
            if aux:
                terms["loss_aux"] = sum(aux.values())
                total = total + terms["loss_aux"]
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(total).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            total.backward()
            self.optimizer.step()
        out = {"loss_total": float(total.detach())}
        out.update({k: float(v.detach()) for k, v in terms.items()})
        return out


# ------------------------------------------------------------------------------------------- state and files


def _rng_state() -> dict:
    st = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": (st[0], st[1].tolist(), int(st[2]), int(st[3]), float(st[4]))}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Mapping) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    st = state["numpy"]
    np.random.set_state((st[0], np.asarray(st[1], dtype=np.uint32), st[2], st[3], st[4]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _atomic_save(obj, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _fmt(v) -> str:
    if isinstance(v, int):
        return str(v)
    return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6g}"


def curve_columns(terms) -> list[str]:
    """Curve TSV columns: iteration, the loss terms present (LOSS_TERMS order), lr, val_psnr."""
    return ["iteration", *[t for t in LOSS_TERMS if t in terms], "lr", "val_psnr"]


def _write_curve(path: Path, columns: list[str], rows: list[dict]) -> None:
    lines = ["\t".join(columns)] + ["\t".join(_fmt(r.get(c)) for c in columns) for r in rows]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


@contextlib.contextmanager
def _torch_settings(threads: int, deterministic: bool = True):
    """Thread count and determinism switches for the block; restored afterwards. On CUDA with `deterministic`,
    also CUBLAS_WORKSPACE_CONFIG (set before the first cuBLAS call; a process that already used cuBLAS keeps its
    workspace) and cuDNN's deterministic mode without benchmarking."""
    old = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled(),
           torch.is_deterministic_algorithms_warn_only_enabled(), torch.backends.cudnn.benchmark,
           torch.backends.cudnn.deterministic, os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
    torch.set_num_threads(int(threads))
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(bool(deterministic), warn_only=True)
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = bool(deterministic)
    try:
        yield
    finally:
        torch.set_num_threads(old[0])
        torch.use_deterministic_algorithms(old[1], warn_only=old[2])
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = old[3], old[4]
        if old[5] is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)


@contextlib.contextmanager
def _log_to(log_file):
    if log_file is None:
        yield
        return
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, mode="a")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("textsr")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()


def _validate(model: SRNetwork, val: list[tuple[np.ndarray, np.ndarray]], scale: int) -> float:
    """Mean Y-PSNR (shave = scale) of quantised SR over the held-out (HR, LR) pairs; nan when none."""
    if not val:
        return float("nan")
    model.eval()
    return float(np.mean([psnr_y(superres_image(model, lr, tile=0), hr, scale) for hr, lr in val]))


def _fingerprint(payload: Mapping) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class _Progress:
    """Loop state saved in checkpoints: curve rows, running sums, early-stopping bookkeeping."""

    rows: list = field(default_factory=list)
    accum: dict = field(default_factory=dict)
    best_psnr: float = -math.inf
    best_iteration: int = 0
    stale: int = 0
    stopped_at: int | None = None


def _fit(
    *,
    net: torch.nn.Module,
    stepper: Callable[[dict], dict],
    sampler: PatchSampler,
    optimizer,
    scheduler,
    train: Mapping,
    validate: Callable[[], float],
    fingerprint: str,
    checkpoint_dir: str | Path,
    curve_file: Path,
    terms: tuple[str, ...],
    extra_state: torch.nn.Module | None = None,
    label: str,
    callback: Callable[[int], None] | None = None,
) -> tuple[_Progress, dict, float, int]:
    """The training loop shared by every trainer: steps, progress lines, curve, validation, early stopping,
    checkpoints (written atomically; resumed when the fingerprint matches). Returns (progress, final state dict
    (the best validated one under early stopping), seconds this run, iteration resumed from)."""
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME
    columns = curve_columns(terms)
    start, prog = 0, _Progress(accum={"n": 0, **{k: 0.0 for k in terms}})
    best_state: dict | None = None
    if ckpt_path.is_file():
        ck = load_checkpoint(ckpt_path)
        if ck.get("fingerprint") != fingerprint:
            log.warning("%s is from a different configuration or data; training from scratch", ckpt_path)
        else:
            net.load_state_dict(ck["model"])
            optimizer.load_state_dict(ck["optimizer"])
            scheduler.load_state_dict(ck["scheduler"])
            sampler.load_state_dict(ck["sampler"])
            if extra_state is not None:
                extra_state.load_state_dict(ck["extra"])
            _set_rng_state(ck["rng"])
            start = int(ck["iteration"])
            prog = _Progress(**ck["progress"])
            best_state = ck.get("best_state")
            log.info("resumed from %s at iteration %d", ckpt_path, start)
    _write_curve(curve_file, columns, prog.rows)
    n_iter = int(train["iterations"])
    log_every, val_every, ck_every = (max(1, int(train[k])) for k in ("log_every", "val_every", "checkpoint_every"))
    early = train.get("early_stop")
    t_start = t_last = time.perf_counter()
    it_last, it = start, start
    for it in range(start + 1, n_iter + 1):
        step_terms = stepper(sampler.sample(int(train["batch_size"])))
        scheduler.step()
        prog.accum["n"] += 1
        for k, v in step_terms.items():
            prog.accum[k] += v
        is_val = it % val_every == 0 or it == n_iter
        stop = False
        if it % log_every == 0 or is_val:
            now = time.perf_counter()
            speed = (it - it_last) / max(now - t_last, 1e-9)
            t_last, it_last = now, it
            n = max(prog.accum["n"], 1)
            row = {"iteration": it, "lr": optimizer.param_groups[0]["lr"], "val_psnr": float("nan")}
            row.update({k: prog.accum[k] / n for k in terms})
            if is_val:
                row["val_psnr"] = validate()
                if early:
                    if row["val_psnr"] > prog.best_psnr + float(early["min_delta"]):
                        prog.best_psnr, prog.best_iteration, prog.stale = row["val_psnr"], it, 0
                        best_state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
                    else:
                        prog.stale += 1
                        stop = prog.stale >= int(early["patience"])
            prog.rows.append(row)
            prog.accum = {k: 0 if k == "n" else 0.0 for k in prog.accum}
            _write_curve(curve_file, columns, prog.rows)
            log.info("%s iter %d/%d  %s  lr %.3g  val_psnr %.3f dB  %.2f it/s", label, it, n_iter,
                     "  ".join(f"{k.removeprefix('loss_')} {row[k]:.4g}" for k in terms), row["lr"],
                     row["val_psnr"], speed)
        if stop:
            prog.stopped_at = it
            log.info("early stop at iteration %d: validation PSNR has not risen by more than %g dB for %d "
                     "validations; keeping iteration %d (%.3f dB)", it, early["min_delta"], early["patience"],
                     prog.best_iteration, prog.best_psnr)
            break
        if it % ck_every == 0 and it < n_iter:
            _atomic_save({"iteration": it, "model": net.state_dict(), "optimizer": optimizer.state_dict(),
                          "scheduler": scheduler.state_dict(), "sampler": sampler.state_dict(),
                          "extra": extra_state.state_dict() if extra_state is not None else {},
                          "rng": _rng_state(), "progress": asdict(prog), "best_state": best_state,
                          "fingerprint": fingerprint}, ckpt_path)
        if callback is not None:
            callback(it)
    seconds = time.perf_counter() - t_start
    final = best_state if (early and best_state is not None) else net.state_dict()
    return prog, {k: v.detach().cpu() for k, v in final.items()}, seconds, start


def _data(hr_dir, lr_dir, n_val: int, scale: int):
    paths = pair_paths(hr_dir, lr_dir)
    stems = list(paths)
    if n_val >= len(stems):
        raise ValueError(f"n_val={n_val} leaves no training image ({len(stems)} pairs in {hr_dir})")
    train_stems, val_stems = stems[: len(stems) - n_val], stems[len(stems) - n_val:]
    return paths, train_stems, val_stems


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _optimiser(params, t: Mapping):
    """Adam (0.9, 0.999, eps 1e-8) and the learning-rate schedule, stepped once per iteration."""
    optimizer = torch.optim.Adam(params, lr=t["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    if t.get("lr_schedule", "step") == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=int(t["iterations"]),
                                                               eta_min=float(t["lr_min"]))
    else:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=int(t["lr_step"]), gamma=t["lr_gamma"])
    return optimizer, scheduler


def _frozen(model: torch.nn.Module) -> torch.nn.Module:
    for prm in model.parameters():
        prm.requires_grad_(False)
    return model.eval()


def _file_digests(**files) -> dict[str, str]:
    """{name: sha256 of the file} of the given files (None skipped): a checkpoint made with another SR teacher or
    privileged file is not resumed. Empty without such files, so plain methods' fingerprints do not change."""
    out = {}
    for name, path in files.items():
        if path is not None:
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            out[f"{name}_sha256"] = digest.hexdigest()
    return out


def _load_sr_teacher(spec: MethodSpec, path, device):
    """The SR teacher of a kd method, loaded once, frozen, in eval mode: a trained model / official checkpoint
    (fakd, srkd), or PISR's privileged teacher file (pisr)."""
    if spec.kd["type"] == "pisr":
        from textsr.models.pisr import load_privileged_teacher

        return _frozen(load_privileged_teacher(path, device=device))
    from textsr.superres import load_sr_model

    teacher, meta = load_sr_model(path, spec.scale, device=device)
    missing = [p for p in spec.kd["teacher_places"] if p not in teacher.places()]
    if missing:
        raise ValueError(f"{path}: the teacher ({meta['arch']}) has no place(s) {missing}; it has "
                         f"{list(teacher.places())}")
    return _frozen(teacher)


def train_sr(
    hr_dir: str | Path,
    lr_dir: str | Path,
    out_model: str | Path,
    *,
    arch: str,
    scale: int,
    seed: int,
    model: Mapping | None = None,
    attention: Mapping | None = None,
    train: Mapping | None = None,
    distill: Mapping | None = None,
    kd: Mapping | None = None,
    teacher_dir: str | Path | None = None,
    sr_teacher: str | Path | None = None,
    init_from: str | Path | None = None,
    method: str | None = None,
    checkpoint_dir: str | Path,
    log_file: str | Path | None = None,
    curve_file: str | Path,
    threads: int = 2,
    callback: Callable[[int], None] | None = None,
) -> dict:
    """Train a method (see `resolve_method`) at x`scale` on HR/LR pairs (same stems); write `out_model`.

    teacher_dir: cached CRAFT maps from `textsr.distill.compute_teacher_maps` (distill fast path); None -> CRAFT
    per batch from distill["craft_weights"]. sr_teacher: the SR teacher's model file (kd; pisr: default init_from).
    init_from: PISR's privileged-teacher file whose decoder initialises the student (kd pisr; attention gates, if
    any, keep their own initialisation). Both files' sha256 enter the checkpoint fingerprint.
    `checkpoint_dir/last.pt` is written every checkpoint_every iterations (tmp + rename) and resumed from when its
    fingerprint matches (else training restarts, with a warning); it is deleted once out_model is written.
    Progress lines go to logging
    ("textsr.train"; also to log_file when given, appended); curve_file: TSV with `curve_columns`, one row per
    log_every / val_every iteration (losses = means since the previous row). callback(iteration) is called after
    each iteration (and its checkpoint), for tests.
    Returns {iterations, resumed_from, seconds, it_per_s, final, val_psnr, n_train, n_val, best_iteration}.
    """
    spec = resolve_method(arch, scale, model, attention, train, distill, kd)
    t_cfg, d_cfg = spec.train, spec.distill
    if d_cfg and teacher_dir is None and not d_cfg["craft_weights"]:
        raise ValueError("distillation needs teacher_dir (cached teacher maps) or distill.craft_weights (per batch)")
    if init_from is not None and not (spec.kd and spec.kd["type"] == "pisr"):
        raise ValueError("init_from is PISR's privileged teacher: it initialises students of kd type pisr only")
    if spec.kd and spec.kd["type"] == "pisr" and sr_teacher is None:
        sr_teacher = init_from  # PISR: one privileged file is both the student's start and its VID teacher
    if spec.kd and sr_teacher is None:
        raise ValueError(f"kd {spec.kd['type']} needs its teacher's model file (sr_teacher)")
    scale, seed = int(scale), int(seed)
    out_model, curve_file = Path(out_model), Path(curve_file)
    with _log_to(log_file), _torch_settings(threads, t_cfg["deterministic"]):
        device = resolve_device(t_cfg["device"])
        paths, train_stems, val_stems = _data(hr_dir, lr_dir, int(t_cfg["n_val"]), scale)
        layers = sorted(set(d_cfg["teacher_layers"])) if d_cfg else []
        if teacher_dir is not None and d_cfg:
            manifest = Path(teacher_dir) / MANIFEST
            if manifest.is_file():
                p_cached = json.loads(manifest.read_text()).get("p")
                if p_cached is not None and float(p_cached) != float(d_cfg["p"]):
                    raise ValueError(f"{manifest}: maps cached with p={p_cached}, config asks p={d_cfg['p']}")
        fingerprint = _fingerprint({
            "arch": spec.arch, "scale": scale, "seed": seed, "model": spec.model, "attention": spec.attention,
            "train": {k: v for k, v in t_cfg.items() if k != "device"},
            "distill": {k: v for k, v in (d_cfg or {}).items() if k != "craft_weights"}, "kd": spec.kd,
            "teacher": teacher_dir is not None, "train_stems": train_stems, "val_stems": val_stems,
            **_file_digests(sr_teacher=sr_teacher if spec.kd else None, init_from=init_from)})
        if spec.kd and spec.kd["type"] == "fakd":
            from textsr.distill.affinity import check_affinity_memory

            check_affinity_memory(int(t_cfg["patch_size"]), int(t_cfg["batch_size"]), len(spec.kd["places"]),
                                  int(spec.kd["max_affinity_mib"]) << 20)

        _seed_everything(seed)
        sampler = PatchSampler(
            hr_dir, lr_dir, scale=scale, patch_size=t_cfg["patch_size"], seed=seed, stems=train_stems,
            teacher_dir=teacher_dir if d_cfg else None, teacher_layers=layers, augment=t_cfg["augment"],
            teacher_features=bool(d_cfg) and d_cfg["sd_on"] == "features" and teacher_dir is not None,
        )
        if sampler.skipped:
            log.warning("skipped %d training image(s) smaller than the patch: %s", len(sampler.skipped),
                        sampler.skipped[:5])
        val = [load_pair(*paths[s], scale) for s in val_stems]
        net = make_model(spec).to(device)
        if init_from is not None:
            from textsr.models.pisr import load_privileged_teacher

            # every key of the student but its attention gates (sa.*, fresh: a PISR student may also be `_dat`)
            gates = {k for k in net.state_dict() if k.startswith("sa.")}
            try:
                missing, unexpected = net.load_state_dict(
                    load_privileged_teacher(init_from, scale=scale).decoder.state_dict(), strict=False)
            except RuntimeError as exc:
                raise ValueError(f"{init_from}: the privileged decoder does not fit the student: {exc}") from None
            if unexpected or set(missing) != gates:
                raise ValueError(f"{init_from}: the privileged decoder does not fit the student {spec.arch} "
                                 f"{spec.model}: missing {sorted(set(missing) - gates)}, unexpected {unexpected}")
            log.info("student initialised from the decoder of %s", init_from)
        if t_cfg["channels_last"]:
            net = net.to(memory_format=torch.channels_last)
        kd_module = None
        if spec.kd and spec.kd["type"] == "pisr":
            from textsr.distill.vid import VIDLoss

            channels = [int(c) for c in net.place_channels(spec.kd["places"])]
            kd_module = torch.nn.ModuleDict({str(i): VIDLoss(c) for i, c in enumerate(channels)}).to(device)
        params = [p for p in net.parameters() if p.requires_grad]
        if kd_module is not None:
            params += list(kd_module.parameters())
        optimizer, scheduler = _optimiser(params, t_cfg)
        craft = None
        if d_cfg and teacher_dir is None:
            from textsr.weights import load_craft

            craft = _frozen(load_craft(d_cfg["craft_weights"]).to(device))
        teacher = _load_sr_teacher(spec, sr_teacher, device) if spec.kd else None
        scaler = torch.amp.GradScaler("cuda") if t_cfg["amp"] == "fp16" else None
        stepper = Stepper(net, optimizer, spec, craft=craft, sr_teacher=teacher, kd_module=kd_module, scaler=scaler)
        terms = ["loss_total", "loss_sr"]
        if spec.kd and spec.kd["w_out"] and spec.kd["type"] != "pisr":
            terms.append("loss_out")
        if d_cfg:
            terms += ["loss_ad", "loss_sd"]
        if spec.kd:
            terms.append("loss_kd")
        if type(net).auxiliary_losses is not SRNetwork.auxiliary_losses:
            terms.append("loss_aux")
        terms = tuple(t for t in LOSS_TERMS if t in terms)

        log.info("training %s (%s) x%d: model %s, attention %s; %d train / %d val images; %d params; device %s; "
                 "%d threads", method or spec.arch, spec.arch, scale, json.dumps(spec.model),
                 json.dumps(spec.attention), len(train_stems), len(val_stems), count_parameters(net), device,
                 torch.get_num_threads())
        if val:
            bic = np.mean([psnr_y(bicubic_upscale(lr, scale), hr, scale) for hr, lr in val])
            log.info("validation on %s; bicubic x%d baseline %.3f dB (Y, shave %d)", val_stems, scale, bic, scale)
        prog, state, seconds, start = _fit(
            net=net, stepper=stepper, sampler=sampler, optimizer=optimizer, scheduler=scheduler, train=t_cfg,
            validate=lambda: _validate(net, val, scale), fingerprint=fingerprint, checkpoint_dir=checkpoint_dir,
            curve_file=curve_file, terms=terms, extra_state=kd_module, label=method or spec.arch,
            callback=callback)
        n_done = prog.stopped_at or int(t_cfg["iterations"])
        meta = {"arch": spec.arch, "model": spec.model, "attention": spec.attention, "method": method,
                "scale": scale, "seed": seed, "iterations": n_done, "best_iteration": prog.best_iteration or None,
                "train": t_cfg, "distill": d_cfg, "kd": spec.kd, "teacher_cached": teacher_dir is not None,
                "input_range": net.input_range, "colour": net.colour}
        _atomic_save({"state_dict": state, "meta": meta}, out_model)
        (Path(checkpoint_dir) / CHECKPOINT_NAME).unlink(missing_ok=True)  # a finished run leaves no checkpoint
        log.info("wrote %s (%d iterations, %.1f s this run)", out_model, n_done, seconds)
    done = n_done - start
    return {"iterations": n_done, "resumed_from": start, "seconds": round(seconds, 3),
            "it_per_s": round(done / seconds, 3) if done and seconds > 0 else None,
            "final": prog.rows[-1] if prog.rows else None,
            "val_psnr": prog.rows[-1]["val_psnr"] if prog.rows else None, "n_train": len(train_stems),
            "n_val": len(val_stems), "best_iteration": prog.best_iteration or None}


def train_privileged_teacher(
    hr_dir: str | Path,
    lr_dir: str | Path,
    out_model: str | Path,
    *,
    scale: int,
    seed: int,
    model: Mapping | None = None,
    train: Mapping | None = None,
    privileged: Mapping | None = None,
    checkpoint_dir: str | Path,
    log_file: str | Path | None = None,
    curve_file: str | Path,
    threads: int = 2,
    callback: Callable[[int], None] | None = None,
) -> dict:
    """PISR step 1: train the privileged teacher (an encoder that sees HR + an FSRCNN decoder, Y in [0, 1]).

    Loss = L1(decoder(encoder(HR)), HR) + lam * L1(encoder(HR), LR) (`textsr.distill.vid.pisr_teacher_loss`), on the
    same aligned patches as the students (LR = the pipeline's bicubic LR). model: the decoder's FSRCNN keywords.
    Validation PSNR is that of decoder(encoder(HR)). Writes `{"state_dict", "meta"}` for
    `textsr.models.pisr.load_privileged_teacher`.
    """
    from textsr.distill.vid import imitation_loss
    from textsr.models.pisr import PISRTeacher

    t_cfg = _merge("train", TRAIN_DEFAULTS, train)
    p_cfg = _merge("privileged", PRIVILEGED_DEFAULTS, privileged)
    if t_cfg["early_stop"] is not None:
        t_cfg["early_stop"] = _merge("early_stop", {"patience": 3, "min_delta": 0.0}, t_cfg["early_stop"])
    scale, seed = int(scale), int(seed)
    out_model, curve_file = Path(out_model), Path(curve_file)
    with _log_to(log_file), _torch_settings(threads, t_cfg["deterministic"]):
        device = resolve_device(t_cfg["device"])
        paths, train_stems, val_stems = _data(hr_dir, lr_dir, int(t_cfg["n_val"]), scale)
        fingerprint = _fingerprint({"privileged": p_cfg, "scale": scale, "seed": seed, "model": dict(model or {}),
                                    "train": {k: v for k, v in t_cfg.items() if k != "device"},
                                    "train_stems": train_stems, "val_stems": val_stems})
        _seed_everything(seed)
        sampler = PatchSampler(hr_dir, lr_dir, scale=scale, patch_size=t_cfg["patch_size"], seed=seed,
                               stems=train_stems, augment=t_cfg["augment"])
        val = [load_pair(*paths[s], scale) for s in val_stems]
        net = PISRTeacher(scale=scale, **dict(model or {})).to(device)
        optimizer, scheduler = _optimiser([p for p in net.parameters() if p.requires_grad], t_cfg)

        def step(batch):
            lr, hr = batch["lr"].to(device), batch["hr"].to(device)
            net.train()
            y_hr, y_lr = net.encode(hr), net.encode(lr)
            encoded = net.encoder(y_hr)
            sr = net.decoder(encoded)
            # = textsr.distill.vid.pisr_teacher_loss, kept as two terms for the log
            terms = {"loss_sr": F.l1_loss(sr, y_hr), "loss_kd": imitation_loss(encoded, y_lr)}
            total = terms["loss_sr"] + p_cfg["lam"] * terms["loss_kd"]
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            return {"loss_total": float(total.detach()), **{k: float(v.detach()) for k, v in terms.items()}}

        def validate() -> float:
            net.eval()
            with torch.no_grad():
                vals = []
                for hr, _ in val:
                    rgb = torch.from_numpy(hr).permute(2, 0, 1).unsqueeze(0).float().to(device)
                    out = net.decode(net.decoder(net.encoder(net.encode(rgb))), rgb[..., ::scale, ::scale])
                    sr = out.clamp(0, 255).round()[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()
                    vals.append(psnr_y(sr, hr, scale))
            return float(np.mean(vals)) if vals else float("nan")

        log.info("training the PISR privileged teacher x%d: %s; %d params; device %s", scale, json.dumps(model),
                 count_parameters(net), device)
        prog, state, seconds, start = _fit(
            net=net, stepper=step, sampler=sampler, optimizer=optimizer, scheduler=scheduler, train=t_cfg,
            validate=validate, fingerprint=fingerprint, checkpoint_dir=checkpoint_dir, curve_file=curve_file,
            terms=("loss_total", "loss_sr", "loss_kd"), label="pisr-teacher", callback=callback)
        n_done = prog.stopped_at or int(t_cfg["iterations"])
        meta = {"arch": "pisr_teacher", "model": net.config(), "scale": scale, "seed": seed, "iterations": n_done,
                "train": t_cfg, "privileged": p_cfg}
        _atomic_save({"state_dict": state, "meta": meta}, out_model)
        (Path(checkpoint_dir) / CHECKPOINT_NAME).unlink(missing_ok=True)
        log.info("wrote %s (%d iterations, %.1f s this run)", out_model, n_done, seconds)
    return {"iterations": n_done, "resumed_from": start, "seconds": round(seconds, 3),
            "val_psnr": prog.rows[-1]["val_psnr"] if prog.rows else None}
