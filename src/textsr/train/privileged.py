"""PISR step 1: the privileged teacher (an encoder that sees HR + an FSRCNN decoder, Y in [0, 1]), trained by the
shared session and loop with its own forward and two registered loss terms (pixel, imitation)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from textsr.evaluation.image_metrics import psnr_y
from textsr.models.base import count_parameters
from textsr.train.loop import optimiser
from textsr.train.losses import build_terms, curve_terms
from textsr.train.session import Setting, Trainee, run_training
from textsr.train.spec import resolve_privileged, resolve_train
from textsr.train.step import Step, StepContext

log = logging.getLogger(__name__)


class PrivilegedStep(Step):
    """The teacher's forward: Y(HR) -> encoder -> decoder; target Y(HR); extras for the imitation term: the
    encoding (B, 1, h, w) and Y(LR), its target. No autocast, NCHW (as PISR's official training)."""

    def forward(self, batch, lr, hr):
        net = self.model
        y_hr, y_lr = net.encode(hr), net.encode(lr)
        encoded = net.encoder(y_hr)
        return StepContext(model=net, batch=batch, lr=lr, hr=hr, sr=net.decoder(encoded), target=y_hr,
                           extras={"encoded": encoded, "lr_target": y_lr})


def privileged_losses(lam: float) -> list:
    """L = L1(decoder(encoder(HR)), HR) + lam * L1(encoder(HR), LR) (`textsr.distill.vid.pisr_teacher_loss`, kept
    as two terms for the log: loss_sr, loss_kd)."""
    return build_terms([{"type": "pixel", "weight": 1.0, "pixel_loss": "l1"}, {"type": "imitation", "weight": lam}])


def validate_privileged(net, val: list[tuple[np.ndarray, np.ndarray]], scale: int) -> float:
    """Mean Y-PSNR (dB, shave = scale) of decoder(encoder(HR)), quantised, over the held-out pairs; nan when none."""
    device = next(net.parameters()).device
    net.eval()
    with torch.no_grad():
        vals = []
        for hr, _ in val:
            rgb = torch.from_numpy(hr).permute(2, 0, 1).unsqueeze(0).float().to(device)
            out = net.decode(net.decoder(net.encoder(net.encode(rgb))), rgb[..., ::scale, ::scale])
            sr = out.clamp(0, 255).round()[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()
            vals.append(psnr_y(sr, hr, scale))
    return float(np.mean(vals)) if vals else float("nan")


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
    """PISR step 1: train the privileged teacher on the same aligned patches as the students (LR = the pipeline's
    bicubic LR). model: the decoder's FSRCNN keywords; privileged: {lam} (PRIVILEGED_DEFAULTS). Checkpoints,
    resuming, curve and early stopping as `train_sr`. Writes `{"state_dict", "meta"}` for
    `textsr.models.pisr.load_privileged_teacher`. Returns the summary of `textsr.train.session.run_training`.
    """
    from textsr.models.pisr import PISRTeacher

    t_cfg, p_cfg = resolve_train(train), resolve_privileged(privileged)
    scale, seed, model = int(scale), int(seed), dict(model or {})

    def build(setting: Setting) -> Trainee:
        net = PISRTeacher(scale=scale, **model).to(setting.device)
        optimizer, scheduler = optimiser([p for p in net.parameters() if p.requires_grad], t_cfg)
        log.info("training the PISR privileged teacher x%d: %s; %d params; device %s", scale, json.dumps(model),
                 count_parameters(net), setting.device)
        losses = privileged_losses(p_cfg["lam"])
        return Trainee(net=net, step=PrivilegedStep(net, optimizer, losses), optimizer=optimizer,
                       scheduler=scheduler, terms=curve_terms(losses),
                       validate=lambda: validate_privileged(net, setting.val, scale), label="pisr-teacher")

    def meta(trainee: Trainee, prog, n_done: int) -> dict:
        return {"arch": "pisr_teacher", "model": trainee.net.config(), "scale": scale, "seed": seed,
                "iterations": n_done, "train": t_cfg, "privileged": p_cfg}

    fingerprint_of = {"privileged": p_cfg, "scale": scale, "seed": seed, "model": model,
                      "train": {k: v for k, v in t_cfg.items() if k != "device"}}
    return run_training(hr_dir, lr_dir, out_model, scale=scale, seed=seed, train=t_cfg, fingerprint_of=fingerprint_of,
                        sampler_options={}, build=build, meta=meta, checkpoint_dir=checkpoint_dir,
                        curve_file=curve_file, log_file=log_file, threads=threads, callback=callback)
