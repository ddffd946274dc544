"""Train RCAN / RCAN_dat: deterministic from the seed, checkpointed, resumable bit-identically after a kill.

Model file written at the end (`out_model`): `{"state_dict": ..., "meta": {...}}`. `textsr.superres.load_sr_model`
infers the architecture from the state_dict's keys and shapes alone (it also reads bare official RCAN_BIX*.pt);
"meta" records method, scale, sizes, rgb_range, rgb_mean, seed, iterations and the configs for provenance.

Losses (pixel values in 0-255): total = w_sr * pixel + w_ad * AD + w_sd * SD (RCAN: pixel only). The progress log
and the curve file report each term RAW (unweighted) and the weighted total.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from textsr.atomic import atomic_path, write_text_atomic
from textsr.data.patches import PatchSampler, load_pair, pair_paths
from textsr.degrade import bicubic_upscale
from textsr.device import resolve_device
from textsr.distill import MANIFEST, ad_loss, default_teacher_layer, sd_loss, teacher_maps_from_images
from textsr.evaluation.image_metrics import psnr_y
from textsr.models.rcan import DIV2K_RGB_MEAN, RCAN
from textsr.superres import build_model, superres_tensor

log = logging.getLogger(__name__)

#: model dict: architecture (sa_* used by rcan_dat only; sa_groups None -> [n_resgroups - 1], 0-based).
MODEL_DEFAULTS = {
    "n_resgroups": 2, "n_resblocks": 4, "n_feats": 32, "reduction": 16, "kernel_size": 3,
    "sa_groups": None, "sa_kernel": 7,
}
#: train dict: iterations; LR patch side (HR = patch_size * scale); Adam lr; StepLR every lr_step iterations by
#: lr_gamma; pixel loss "l1" (RCAN) or "mse", both in 0-255 units; n_val last images (sorted by stem) held out for
#: validation PSNR (Y, shave = scale) every val_every iterations; device "auto" | "cpu" | "cuda[:i]".
#: lr 1e-3 suits the tiny default (x4, 300 iterations: val PSNR +0.9 dB over bicubic on Set5 woman, while 2e-4 stays
#: below bicubic); the paper recipe is lr 1e-4, lr_step 200000, batch 16, patch 48, 10^6 iterations.
TRAIN_DEFAULTS = {
    "iterations": 300, "batch_size": 8, "patch_size": 24, "lr": 1e-3, "lr_step": 200000, "lr_gamma": 0.5,
    "pixel_loss": "l1", "augment": True, "checkpoint_every": 50, "log_every": 25, "val_every": 100, "n_val": 1,
    "device": "auto",
}
#: distill dict (rcan_dat only): teacher_layers None -> [default_teacher_layer(scale)]; paired in order with the
#: model's sa_groups (one layer is paired with every group); p of sum_c |A_c|^p; loss weights; craft_weights: CRAFT
#: .pth for the per-batch fallback used only when no teacher_dir (cache) is given.
#: Weights: w_ad = AT's beta 1000. SD here compares ATTENTION MAPS, not SP's full features: measured raw SD ~5e-3..1e-2
#: (x4, 24 px LR patches, batch 8; AD ~2e-3, L1 ~8-30), so SP's gamma 3000 would outweigh the pixel loss; 300 keeps
#: the weighted SD (~1.5-3) below it.
DISTILL_DEFAULTS = {
    "teacher_layers": None, "p": 2.0, "w_sr": 1.0, "w_ad": 1000.0, "w_sd": 300.0, "craft_weights": None,
}
CHECKPOINT_NAME = "last.pt"
CURVE_COLUMNS = ("iteration", "loss_total", "loss_sr", "loss_ad", "loss_sd", "lr", "val_psnr")


def _merge(name: str, defaults: Mapping, given: Mapping | None) -> dict:
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"unknown {name} option(s) {unknown}; known: {sorted(defaults)}")
    return {**defaults, **given}


def resolve_configs(method: str, scale: int, model: Mapping | None, train: Mapping | None,
                    distill: Mapping | None) -> tuple[dict, dict, dict | None]:
    """Defaults merged in, unknown keys refused, derived values (sa_groups, teacher_layers) filled in."""
    if method not in ("rcan", "rcan_dat"):
        raise ValueError(f"unknown method {method!r} (rcan or rcan_dat)")
    m = _merge("model", MODEL_DEFAULTS, model)
    t = _merge("train", TRAIN_DEFAULTS, train)
    if t["pixel_loss"] not in ("l1", "mse"):
        raise ValueError(f"pixel_loss must be l1 or mse, not {t['pixel_loss']!r}")
    if method == "rcan":
        m["sa_groups"] = []
        return m, t, None
    if m["sa_groups"] is None:
        m["sa_groups"] = [m["n_resgroups"] - 1]
    m["sa_groups"] = [int(g) for g in m["sa_groups"]]
    if not m["sa_groups"]:
        raise ValueError("rcan_dat needs at least one sa_group")
    d = _merge("distill", DISTILL_DEFAULTS, distill)
    layers = d["teacher_layers"] or [default_teacher_layer(scale)]
    if len(layers) == 1:
        layers = list(layers) * len(m["sa_groups"])
    if len(layers) != len(m["sa_groups"]):
        raise ValueError(f"{len(layers)} teacher_layers for {len(m['sa_groups'])} sa_groups: give one or as many")
    d["teacher_layers"] = list(layers)
    return m, t, d


def make_model(method: str, scale: int, model_cfg: Mapping) -> RCAN:
    """RCAN / RCANDAT from a resolved model dict (rgb_range 255, DIV2K mean)."""
    arch = {"method": method, "scale": scale, **{k: model_cfg[k] for k in
            ("n_resgroups", "n_resblocks", "n_feats", "reduction", "kernel_size", "sa_groups", "sa_kernel")}}
    return build_model(arch, rgb_range=255.0)


class Stepper:
    """One optimisation step for RCAN or RCAN_dat (shared by train_sr and bench/train_step.py).

    batch: {"lr": (B, 3, P, P), "hr": (B, 3, sP, sP) in 0-255[, "teacher": {layer: (B, 1, P, P)}]}. Without a cached
    "teacher", maps are computed from the HR batch with `craft` (per-batch fallback). Returns raw loss terms.
    """

    def __init__(self, model: RCAN, optimizer, *, method: str, pixel_loss: str, distill: Mapping | None,
                 sa_groups=(), craft=None):
        self.model, self.optimizer, self.method = model, optimizer, method
        self.pixel = F.l1_loss if pixel_loss == "l1" else F.mse_loss
        self.distill = distill
        self.pairs = list(zip((f"group{g}" for g in sa_groups), distill["teacher_layers"])) if distill else []
        self.craft = craft

    def __call__(self, batch: Mapping) -> dict[str, float]:
        device = next(self.model.parameters()).device
        lr, hr = batch["lr"].to(device), batch["hr"].to(device)
        self.model.train()
        if self.method == "rcan":
            sr = self.model(lr)
            loss_sr = self.pixel(sr, hr)
            total, terms = loss_sr, {"loss_sr": loss_sr}
        else:
            sr, maps = self.model(lr)
            loss_sr = self.pixel(sr, hr)
            teacher = batch.get("teacher")
            if teacher is None:
                if self.craft is None:
                    raise ValueError("rcan_dat without cached teacher maps needs a CRAFT model (craft_weights)")
                teacher = teacher_maps_from_images(self.craft, hr, sorted({l for _, l in self.pairs}),
                                                   self.distill["p"])
            s_maps = [maps[g] for g, _ in self.pairs]
            t_maps = [teacher[l].to(device) for _, l in self.pairs]
            loss_ad, loss_sd = ad_loss(s_maps, t_maps), sd_loss(s_maps, t_maps)
            d = self.distill
            total = d["w_sr"] * loss_sr + d["w_ad"] * loss_ad + d["w_sd"] * loss_sd
            terms = {"loss_sr": loss_sr, "loss_ad": loss_ad, "loss_sd": loss_sd}
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        out = {"loss_total": float(total.detach())}
        out.update({k: float(v.detach()) for k, v in terms.items()})
        return out


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


def _write_curve(path: Path, rows: list[dict]) -> None:
    lines = ["\t".join(CURVE_COLUMNS)] + ["\t".join(_fmt(r.get(c)) for c in CURVE_COLUMNS) for r in rows]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


@contextlib.contextmanager
def _torch_settings(threads: int):
    old = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled(),
           torch.is_deterministic_algorithms_warn_only_enabled(), torch.backends.cudnn.benchmark,
           torch.backends.cudnn.deterministic)
    torch.set_num_threads(int(threads))
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    try:
        yield
    finally:
        torch.set_num_threads(old[0])
        torch.use_deterministic_algorithms(old[1], warn_only=old[2])
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = old[3], old[4]


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


def _validate(model: RCAN, val: list[tuple[np.ndarray, np.ndarray]], scale: int) -> float:
    """Mean Y-PSNR (shave = scale) of quantised SR over the held-out (HR, LR) pairs; nan when none."""
    if not val:
        return float("nan")
    device = next(model.parameters()).device
    model.eval()
    vals = []
    with torch.no_grad():
        for hr, lr in val:
            x = torch.from_numpy(lr).permute(2, 0, 1).unsqueeze(0).float().to(device)
            sr = superres_tensor(model, x).clamp(0, 255).round()[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()
            vals.append(psnr_y(sr, hr, scale))
    return float(np.mean(vals))


def train_sr(
    hr_dir: str | Path,
    lr_dir: str | Path,
    out_model: str | Path,
    *,
    method: str,
    scale: int,
    seed: int,
    model: Mapping | None = None,
    train: Mapping | None = None,
    distill: Mapping | None = None,
    teacher_dir: str | Path | None = None,
    checkpoint_dir: str | Path,
    log_file: str | Path | None = None,
    curve_file: str | Path,
    threads: int = 2,
    callback: Callable[[int], None] | None = None,
) -> dict:
    """Train `method` ("rcan" | "rcan_dat") at x`scale` on HR/LR pairs (same stems); write `out_model`.

    Dict options and defaults: MODEL_DEFAULTS, TRAIN_DEFAULTS, DISTILL_DEFAULTS (unknown keys are errors).
    teacher_dir: cached maps from `textsr.distill.compute_teacher_maps` (rcan_dat fast path); None -> CRAFT per
    batch from distill["craft_weights"]. `checkpoint_dir/last.pt` is written every checkpoint_every iterations
    (tmp + rename) and resumed from when its config fingerprint matches (else training restarts, with a warning);
    it is deleted once out_model is written.
    Progress lines go to logging ("textsr.train"; also to log_file when given); curve_file is a TSV with columns
    CURVE_COLUMNS, one row per log_every / val_every iteration (losses = means since the previous row).
    callback(iteration) is called after each iteration (and its checkpoint), for tests.
    Returns {iterations, resumed_from, seconds, it_per_s, final: last curve row, val_psnr, n_train, n_val}.
    """
    m_cfg, t_cfg, d_cfg = resolve_configs(method, scale, model, train, distill)
    if method == "rcan_dat" and teacher_dir is None and not d_cfg["craft_weights"]:
        raise ValueError("rcan_dat needs teacher_dir (cached teacher maps) or distill.craft_weights (per batch)")
    scale, seed = int(scale), int(seed)
    out_model, curve_file = Path(out_model), Path(curve_file)
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME
    with _log_to(log_file), _torch_settings(threads):
        device = resolve_device(t_cfg["device"])
        paths = pair_paths(hr_dir, lr_dir)
        stems = list(paths)
        n_val = int(t_cfg["n_val"])
        if n_val >= len(stems):
            raise ValueError(f"n_val={n_val} leaves no training image ({len(stems)} pairs in {hr_dir})")
        train_stems, val_stems = stems[: len(stems) - n_val], stems[len(stems) - n_val :]
        if teacher_dir is not None and method == "rcan_dat":
            manifest = Path(teacher_dir) / MANIFEST
            if manifest.is_file():
                p_cached = json.loads(manifest.read_text()).get("p")
                if p_cached is not None and float(p_cached) != float(d_cfg["p"]):
                    raise ValueError(f"{manifest}: maps cached with p={p_cached}, config asks p={d_cfg['p']}")
        fingerprint = hashlib.sha256(json.dumps(
            {"method": method, "scale": scale, "seed": seed, "model": m_cfg,
             "train": {k: v for k, v in t_cfg.items() if k not in ("device",)},
             "distill": {k: v for k, v in (d_cfg or {}).items() if k != "craft_weights"},
             "teacher": teacher_dir is not None, "train_stems": train_stems, "val_stems": val_stems},
            sort_keys=True, default=str).encode()).hexdigest()

        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)
        sampler = PatchSampler(
            hr_dir, lr_dir, scale=scale, patch_size=t_cfg["patch_size"], seed=seed, stems=train_stems,
            teacher_dir=teacher_dir if method == "rcan_dat" else None,
            teacher_layers=sorted(set(d_cfg["teacher_layers"])) if d_cfg else (), augment=t_cfg["augment"],
        )
        if sampler.skipped:
            log.warning("skipped %d training image(s) smaller than the patch: %s", len(sampler.skipped),
                        sampler.skipped[:5])
        val = [load_pair(*paths[s], scale) for s in val_stems]
        net = make_model(method, scale, m_cfg).to(device)
        optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=t_cfg["lr"],
                                     betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=int(t_cfg["lr_step"]),
                                                    gamma=t_cfg["lr_gamma"])
        craft = None
        if method == "rcan_dat" and teacher_dir is None:
            from textsr.weights import load_craft

            craft = load_craft(d_cfg["craft_weights"]).eval().to(device)
            for prm in craft.parameters():
                prm.requires_grad_(False)
        stepper = Stepper(net, optimizer, method=method, pixel_loss=t_cfg["pixel_loss"], distill=d_cfg,
                          sa_groups=m_cfg["sa_groups"], craft=craft)

        start, rows = 0, []
        accum = {"n": 0, "loss_total": 0.0, "loss_sr": 0.0, "loss_ad": 0.0, "loss_sd": 0.0}
        if ckpt_path.is_file():
            ck = torch.load(ckpt_path, map_location="cpu", weights_only=True)
            if ck.get("fingerprint") != fingerprint:
                log.warning("%s is from a different configuration or data; training from scratch", ckpt_path)
            else:
                net.load_state_dict(ck["model"])
                optimizer.load_state_dict(ck["optimizer"])
                scheduler.load_state_dict(ck["scheduler"])
                sampler.load_state_dict(ck["sampler"])
                _set_rng_state(ck["rng"])
                start, rows, accum = int(ck["iteration"]), list(ck["curve"]), dict(ck["accum"])
                log.info("resumed from %s at iteration %d", ckpt_path, start)
        _write_curve(curve_file, rows)

        n_iter = int(t_cfg["iterations"])
        log_every, val_every, ck_every = (max(1, int(t_cfg[k])) for k in ("log_every", "val_every",
                                                                            "checkpoint_every"))
        log.info("training %s x%d: %s; %d train / %d val images; %d params; device %s; %d threads",
                 method, scale, json.dumps(m_cfg), len(train_stems), len(val_stems),
                 sum(p.numel() for p in net.parameters()), device, torch.get_num_threads())
        if val:
            bic = np.mean([psnr_y(bicubic_upscale(lr, scale), hr, scale) for hr, lr in val])
            log.info("validation on %s; bicubic x%d baseline %.3f dB (Y, shave %d)", val_stems, scale, bic, scale)
        t_start = t_last = time.perf_counter()
        it_last = start
        for it in range(start + 1, n_iter + 1):
            terms = stepper(sampler.sample(int(t_cfg["batch_size"])))
            scheduler.step()
            accum["n"] += 1
            for k, v in terms.items():
                accum[k] += v
            is_val = it % val_every == 0 or it == n_iter
            if it % log_every == 0 or is_val:
                now = time.perf_counter()
                speed = (it - it_last) / max(now - t_last, 1e-9)
                t_last, it_last = now, it
                n = max(accum["n"], 1)
                row = {"iteration": it, "lr": optimizer.param_groups[0]["lr"], "val_psnr": float("nan")}
                for k in ("loss_total", "loss_sr", "loss_ad", "loss_sd"):
                    row[k] = accum[k] / n if (method == "rcan_dat" or k in ("loss_total", "loss_sr")) else float("nan")
                if is_val:
                    row["val_psnr"] = _validate(net, val, scale)
                rows.append(row)
                accum = {k: 0 if k == "n" else 0.0 for k in accum}
                _write_curve(curve_file, rows)
                log.info("iter %d/%d  total %.4g  sr %.4g  ad %.3g  sd %.3g  lr %.3g  val_psnr %.3f dB  %.2f it/s",
                         it, n_iter, row["loss_total"], row["loss_sr"], row["loss_ad"], row["loss_sd"], row["lr"],
                         row["val_psnr"], speed)
            if it % ck_every == 0 and it < n_iter:
                _atomic_save({"iteration": it, "model": net.state_dict(), "optimizer": optimizer.state_dict(),
                              "scheduler": scheduler.state_dict(), "sampler": sampler.state_dict(),
                              "rng": _rng_state(), "curve": rows, "accum": accum, "fingerprint": fingerprint},
                             ckpt_path)
            if callback is not None:
                callback(it)
        seconds = time.perf_counter() - t_start
        meta = {"method": method, "scale": scale, **{k: m_cfg[k] for k in
                ("n_resgroups", "n_resblocks", "n_feats", "reduction", "kernel_size", "sa_groups", "sa_kernel")},
                "rgb_range": 255.0, "rgb_mean": list(DIV2K_RGB_MEAN), "seed": seed, "iterations": n_iter,
                "train": t_cfg, "distill": d_cfg, "teacher_cached": teacher_dir is not None}
        state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        _atomic_save({"state_dict": state, "meta": meta}, out_model)
        ckpt_path.unlink(missing_ok=True)  # a finished run leaves no checkpoint: a rerun (e.g. new code) starts afresh
        log.info("wrote %s (%d iterations, %.1f s this run)", out_model, n_iter, seconds)
    done = n_iter - start
    return {"iterations": n_iter, "resumed_from": start, "seconds": round(seconds, 3),
            "it_per_s": round(done / seconds, 3) if done and seconds > 0 else None,
            "final": rows[-1] if rows else None, "val_psnr": rows[-1]["val_psnr"] if rows else None,
            "n_train": len(train_stems), "n_val": len(val_stems)}
