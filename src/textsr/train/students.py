"""Training a student: a resolved method (`textsr.train.spec`) checked against its network, its set-up (initial
weights, teachers, loss terms, optimiser), and `train_sr`, which runs it through the shared session and loop."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from textsr.degrade import bicubic_upscale
from textsr.evaluation.image_metrics import psnr_y
from textsr.inference.superres import superres_image
from textsr.models.base import SRNetwork, count_parameters
from textsr.models.registry import arch_class, build_arch
from textsr.train.losses import build_losses, curve_terms, needs_of
from textsr.train.loop import optimiser
from textsr.train.session import Setting, Trainee, run_training
from textsr.train.spec import MANIFEST, MethodSpec, pair_layers, resolve_options
from textsr.train.state import file_digests
from textsr.train.step import Stepper

log = logging.getLogger(__name__)


def resolve_method(arch: str, scale: int, model: Mapping | None = None, attention: Mapping | None = None,
                   train: Mapping | None = None, distill: Mapping | None = None,
                   kd: Mapping | None = None) -> MethodSpec:
    """`textsr.train.spec.resolve_options`, then checked against the network itself (built once, from the CPU
    RNG's current state restored afterwards): the arch's keywords, its default attention places, place names, the
    minimum LR input; `model` becomes the network's full config. ValueError on anything inconsistent."""
    spec = resolve_options(arch, scale, model, attention, train, distill, kd)
    cls = arch_class(arch)
    with torch.random.fork_rng(devices=[]):
        probe = build_arch(arch, **spec.model)  # validates the keywords; the trained net is built again from the seed
    if int(spec.train["patch_size"]) < cls.min_input:
        raise ValueError(f"{arch} needs LR inputs of at least {cls.min_input} px; patch_size is "
                         f"{spec.train['patch_size']}")
    if spec.attention is not None:
        a = spec.attention
        a["places"] = list(a["places"] or probe.default_attention_places())
        probe.attach_attention(a["places"], a["kernel_size"])  # checks the place names
        a["places"] = probe.attention_places
        if spec.distill is not None:
            spec.distill["teacher_layers"] = pair_layers(spec.distill["teacher_layers"], a["places"])
    if spec.kd is not None:
        unknown = [q for q in spec.kd["places"] if q not in probe.places()]
        if unknown:
            raise ValueError(f"kd needs student places (unknown: {unknown}); {arch} has {list(probe.places())}")
    spec.model = probe.config()
    return spec


def make_model(spec: MethodSpec) -> SRNetwork:
    """The student of a resolved method (weights initialised from torch's current RNG)."""
    return build_arch(spec.arch, attention=spec.attention, **dict(spec.model))


def validate_student(model: SRNetwork, val: list[tuple[np.ndarray, np.ndarray]], scale: int) -> float:
    """Mean Y-PSNR (dB, shave = scale) of quantised SR over the held-out (HR, LR) pairs; nan when none."""
    if not val:
        return float("nan")
    model.eval()
    return float(np.mean([psnr_y(superres_image(model, lr, tile=0), hr, scale) for hr, lr in val]))


def frozen(model: torch.nn.Module) -> torch.nn.Module:
    """No gradients, eval mode."""
    for prm in model.parameters():
        prm.requires_grad_(False)
    return model.eval()


def load_sr_teacher(spec: MethodSpec, path, device):
    """The SR teacher of a kd method, loaded once, frozen, in eval mode: a trained model / official checkpoint
    (fakd, srkd), or PISR's privileged teacher file (pisr)."""
    if spec.kd["type"] == "pisr":
        from textsr.models.pisr import load_privileged_teacher

        return frozen(load_privileged_teacher(path, device=device))
    from textsr.inference.superres import load_sr_model

    teacher, meta = load_sr_model(path, spec.scale, device=device)
    missing = [p for p in spec.kd["teacher_places"] if p not in teacher.places()]
    if missing:
        raise ValueError(f"{path}: the teacher ({meta['arch']}) has no place(s) {missing}; it has "
                         f"{list(teacher.places())}")
    return frozen(teacher)


def init_from_privileged(net: SRNetwork, spec: MethodSpec, path) -> None:
    """Every weight of the student but its attention gates (sa.*, fresh: a PISR student may also be `_dat`) from
    the decoder of PISR's privileged teacher file; ValueError naming the file when the decoder does not fit."""
    from textsr.models.pisr import load_privileged_teacher

    gates = {k for k in net.state_dict() if k.startswith("sa.")}
    try:
        missing, unexpected = net.load_state_dict(
            load_privileged_teacher(path, scale=spec.scale).decoder.state_dict(), strict=False)
    except RuntimeError as exc:
        raise ValueError(f"{path}: the privileged decoder does not fit the student: {exc}") from None
    if unexpected or set(missing) != gates:
        raise ValueError(f"{path}: the privileged decoder does not fit the student {spec.arch} "
                         f"{spec.model}: missing {sorted(set(missing) - gates)}, unexpected {unexpected}")
    log.info("student initialised from the decoder of %s", path)


def _check_inputs(spec: MethodSpec, teacher_dir, sr_teacher, init_from):
    """Refuse inconsistent inputs before anything is trained; returns the SR teacher's file (PISR: init_from)."""
    d_cfg, t_cfg = spec.distill, spec.train
    if d_cfg and teacher_dir is None and not d_cfg["craft_weights"]:
        raise ValueError("distillation needs teacher_dir (cached teacher maps) or distill.craft_weights (per batch)")
    if init_from is not None and not (spec.kd and spec.kd["type"] == "pisr"):
        raise ValueError("init_from is PISR's privileged teacher: it initialises students of kd type pisr only")
    if spec.kd and spec.kd["type"] == "pisr" and sr_teacher is None:
        sr_teacher = init_from  # PISR: one privileged file is both the student's start and its VID teacher
    if spec.kd and sr_teacher is None:
        raise ValueError(f"kd {spec.kd['type']} needs its teacher's model file (sr_teacher)")
    if teacher_dir is not None and d_cfg:
        manifest = Path(teacher_dir) / MANIFEST
        if manifest.is_file():
            p_cached = json.loads(manifest.read_text()).get("p")
            if p_cached is not None and float(p_cached) != float(d_cfg["p"]):
                raise ValueError(f"{manifest}: maps cached with p={p_cached}, config asks p={d_cfg['p']}")
    if spec.kd and spec.kd["type"] == "fakd":
        from textsr.distill.affinity import check_affinity_memory

        check_affinity_memory(int(t_cfg["patch_size"]), int(t_cfg["batch_size"]), len(spec.kd["places"]),
                              int(spec.kd["max_affinity_mib"]) << 20)
    return sr_teacher


def build_student(spec: MethodSpec, setting: Setting, *, teacher_dir=None, sr_teacher=None, init_from=None,
                  label: str) -> Trainee:
    """The student (from torch's seeded RNG; PISR: the privileged decoder's weights), its loss terms and their
    trainable parts, Adam, CRAFT per batch (no cache), the frozen SR teacher, and the step. The order of the
    RNG draws is part of the result: student, privileged file's network, VID heads, CRAFT, SR teacher."""
    device, t_cfg = setting.device, spec.train
    net = make_model(spec).to(device)
    if init_from is not None:
        init_from_privileged(net, spec, init_from)
    if t_cfg["channels_last"]:
        net = net.to(memory_format=torch.channels_last)
    losses = build_losses(spec)
    trainable = [m.to(device) for m in (t.trainable(net) for t in losses) if m is not None]
    extra = trainable[0] if len(trainable) == 1 else torch.nn.ModuleList(trainable) if trainable else None
    params = [p for p in net.parameters() if p.requires_grad] + (list(extra.parameters()) if extra else [])
    optimizer, scheduler = optimiser(params, t_cfg)
    craft = None
    if needs_of(losses) & {"teacher_maps", "teacher_features"} and teacher_dir is None:
        from textsr.data.weights import load_craft

        craft = frozen(load_craft(spec.distill["craft_weights"]).to(device))
    teacher = load_sr_teacher(spec, sr_teacher, device) if spec.kd else None
    scaler = torch.amp.GradScaler("cuda") if t_cfg["amp"] == "fp16" else None
    step = Stepper(net, optimizer, spec, craft=craft, sr_teacher=teacher, scaler=scaler, losses=losses)
    log.info("training %s (%s) x%d: model %s, attention %s; %d train / %d val images; %d params; device %s; "
             "%d threads", label, spec.arch, spec.scale, json.dumps(spec.model), json.dumps(spec.attention),
             len(setting.train_stems), len(setting.val_stems), count_parameters(net), device,
             torch.get_num_threads())
    if setting.val:
        bic = np.mean([psnr_y(bicubic_upscale(lr, spec.scale), hr, spec.scale) for hr, lr in setting.val])
        log.info("validation on %s; bicubic x%d baseline %.3f dB (Y, shave %d)", setting.val_stems, spec.scale, bic,
                 spec.scale)
    return Trainee(net=net, step=step, optimizer=optimizer, scheduler=scheduler, terms=curve_terms(losses), label=label,
                   validate=lambda: validate_student(net, setting.val, spec.scale), extra_state=extra)


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
    Progress lines go to logging ("textsr.train"; also to log_file when given, appended); curve_file: TSV with
    `curve_columns`, one row per log_every / val_every iteration (losses = means since the previous row).
    callback(iteration) is called after each iteration (and its checkpoint), for tests.
    Returns {iterations, resumed_from, seconds, it_per_s, final, val_psnr, n_train, n_val, best_iteration}.
    """
    spec = resolve_method(arch, scale, model, attention, train, distill, kd)
    t_cfg, d_cfg = spec.train, spec.distill
    sr_teacher = _check_inputs(spec, teacher_dir, sr_teacher, init_from)
    scale, seed = int(scale), int(seed)
    fingerprint_of = {
        "arch": spec.arch, "scale": scale, "seed": seed, "model": spec.model, "attention": spec.attention,
        "train": {k: v for k, v in t_cfg.items() if k != "device"},
        "distill": {k: v for k, v in (d_cfg or {}).items() if k != "craft_weights"}, "kd": spec.kd,
        "teacher": teacher_dir is not None,
        **file_digests(sr_teacher=sr_teacher if spec.kd else None, init_from=init_from)}
    cached = teacher_dir is not None and bool(d_cfg)
    sampler_options = {"teacher_dir": teacher_dir if d_cfg else None,
                       "teacher_layers": sorted(set(d_cfg["teacher_layers"])) if d_cfg else [],
                       "teacher_features": cached and d_cfg["sd_on"] == "features"}

    def meta(trainee: Trainee, prog, n_done: int) -> dict:
        net = trainee.net
        return {"arch": spec.arch, "model": spec.model, "attention": spec.attention, "method": method,
                "scale": scale, "seed": seed, "iterations": n_done, "best_iteration": prog.best_iteration or None,
                "train": t_cfg, "distill": d_cfg, "kd": spec.kd, "teacher_cached": teacher_dir is not None,
                "input_range": net.input_range, "colour": net.colour}

    return run_training(
        hr_dir, lr_dir, out_model, scale=scale, seed=seed, train=t_cfg, fingerprint_of=fingerprint_of,
        sampler_options=sampler_options, meta=meta, checkpoint_dir=checkpoint_dir, curve_file=curve_file,
        log_file=log_file, threads=threads, callback=callback,
        build=lambda setting: build_student(spec, setting, teacher_dir=teacher_dir, sr_teacher=sr_teacher,
                                            init_from=init_from, label=method or spec.arch))
