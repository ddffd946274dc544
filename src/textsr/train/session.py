"""A training run's set-up and wrap-up, shared by the students (`train_sr`) and PISR's privileged teacher: log file,
thread and determinism settings, the train / validation split, seeding, the patch sampler, the loop (`fit`), the
model file, and the summary."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from textsr.train.loop import Progress, fit
from textsr.train.patches import PatchSampler, load_pair, pair_paths
from textsr.train.spec import CHECKPOINT_NAME
from textsr.train.state import atomic_save, fingerprint, seed_everything
from textsr.util.device import resolve_device

log = logging.getLogger(__name__)


@contextlib.contextmanager
def torch_settings(threads: int, deterministic: bool = True):
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
def log_to(log_file: str | Path | None):
    """The "textsr" loggers at INFO also to `log_file` (appended) for the block."""
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


def split_pairs(hr_dir, lr_dir, n_val: int) -> tuple[dict, list[str], list[str]]:
    """({stem: (HR, LR path)}, training stems, validation stems): the last n_val stems (sorted) are held out."""
    paths = pair_paths(hr_dir, lr_dir)
    stems = list(paths)
    if n_val >= len(stems):
        raise ValueError(f"n_val={n_val} leaves no training image ({len(stems)} pairs in {hr_dir})")
    return paths, stems[: len(stems) - n_val], stems[len(stems) - n_val:]


@dataclass
class Setting:
    """What a trainer's `build` gets: the device, the seeded sampler, the validation pairs (HR, LR uint8)."""

    device: torch.device
    sampler: PatchSampler
    val: list[tuple[np.ndarray, np.ndarray]]
    train_stems: list[str]
    val_stems: list[str]


@dataclass
class Trainee:
    """What a trainer hands the loop: network, step, optimiser + schedule, validation (mean PSNR, dB), the loss
    columns, extra trainable state to checkpoint, the progress lines' label."""

    net: torch.nn.Module
    step: Callable[[dict], dict]
    optimizer: object
    scheduler: object
    validate: Callable[[], float]
    terms: tuple[str, ...]
    label: str
    extra_state: torch.nn.Module | None = None


def run_training(hr_dir, lr_dir, out_model, *, scale: int, seed: int, train: Mapping, fingerprint_of: Mapping,
                 sampler_options: Mapping, build: Callable[[Setting], Trainee],
                 meta: Callable[[Trainee, Progress, int], dict], checkpoint_dir, curve_file, log_file=None,
                 threads: int = 2, callback: Callable[[int], None] | None = None) -> dict:
    """Set up (log, threads, device, split, fingerprint = fingerprint_of + the stems, seed, sampler, validation
    pairs), `build` the trainee (after seeding: its weights come from the seed), `fit`, write
    `{"state_dict", "meta": meta(trainee, progress, iterations done)}` to out_model and drop the checkpoint.
    Returns {iterations, resumed_from, seconds, it_per_s, final, val_psnr, n_train, n_val, best_iteration}."""
    out_model, curve_file = Path(out_model), Path(curve_file)
    with log_to(log_file), torch_settings(threads, train["deterministic"]):
        device = resolve_device(train["device"])
        paths, train_stems, val_stems = split_pairs(hr_dir, lr_dir, int(train["n_val"]))
        digest = fingerprint({**fingerprint_of, "train_stems": train_stems, "val_stems": val_stems})
        seed_everything(seed)
        sampler = PatchSampler(hr_dir, lr_dir, scale=scale, patch_size=train["patch_size"], seed=seed,
                               stems=train_stems, augment=train["augment"], **sampler_options)
        if sampler.skipped:
            log.warning("skipped %d training image(s) smaller than the patch: %s", len(sampler.skipped),
                        sampler.skipped[:5])
        val = [load_pair(*paths[s], scale) for s in val_stems]
        trainee = build(Setting(device, sampler, val, train_stems, val_stems))
        prog, state, seconds, start = fit(
            net=trainee.net, stepper=trainee.step, sampler=sampler, optimizer=trainee.optimizer,
            scheduler=trainee.scheduler, train=train, validate=trainee.validate, fingerprint=digest,
            checkpoint_dir=checkpoint_dir, curve_file=curve_file, terms=trainee.terms,
            extra_state=trainee.extra_state, label=trainee.label, callback=callback)
        n_done = prog.stopped_at or int(train["iterations"])
        atomic_save({"state_dict": state, "meta": meta(trainee, prog, n_done)}, out_model)
        (Path(checkpoint_dir) / CHECKPOINT_NAME).unlink(missing_ok=True)  # a finished run leaves no checkpoint
        log.info("wrote %s (%d iterations, %.1f s this run)", out_model, n_done, seconds)
    done = n_done - start
    return {"iterations": n_done, "resumed_from": start, "seconds": round(seconds, 3),
            "it_per_s": round(done / seconds, 3) if done and seconds > 0 else None,
            "final": prog.rows[-1] if prog.rows else None,
            "val_psnr": prog.rows[-1]["val_psnr"] if prog.rows else None, "n_train": len(train_stems),
            "n_val": len(val_stems), "best_iteration": prog.best_iteration or None}
