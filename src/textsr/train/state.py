"""Training state: seeding, the RNG states, the configuration fingerprint and the checkpoint a killed run resumes
from bit-identically."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from textsr.util.atomic import atomic_path
from textsr.util.checkpoint import load_checkpoint

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Python's, numpy's (seed mod 2^32) and torch's global RNGs from one seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict:
    """The global RNG states (torch CPU, Python, numpy as plain types; CUDA when available)."""
    st = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": (st[0], st[1].tolist(), int(st[2]), int(st[3]), float(st[4]))}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping) -> None:
    """Inverse of `rng_state`."""
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    st = state["numpy"]
    np.random.set_state((st[0], np.asarray(st[1], dtype=np.uint32), st[2], st[3], st[4]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def atomic_save(obj, path: str | Path) -> None:
    """torch.save to a temporary file, then renamed over `path`."""
    with atomic_path(Path(path)) as tmp:
        torch.save(obj, tmp)


def fingerprint(payload: Mapping) -> str:
    """sha256 hex of the payload as sorted JSON (str() for what JSON cannot write)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def file_digests(**files) -> dict[str, str]:
    """{"<name>_sha256": sha256 of the file} of the given files (None skipped): a checkpoint made with another SR
    teacher or privileged file is not resumed. Empty without such files, so plain methods' fingerprints do not
    change."""
    out = {}
    for name, path in files.items():
        if path is not None:
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            out[f"{name}_sha256"] = digest.hexdigest()
    return out


class Checkpoint:
    """`path` (last.pt) of one run: network, optimiser, scheduler, sampler, extra trainable state (e.g. PISR's VID
    heads), the RNG states, the loop's progress and best weights, and the configuration fingerprint. Resumed only
    when the fingerprint matches (else a warning and a fresh start)."""

    def __init__(self, path: str | Path, fingerprint: str, *, net: torch.nn.Module, optimizer, scheduler, sampler,
                 extra: torch.nn.Module | None = None):
        self.path, self.fingerprint = Path(path), fingerprint
        self.net, self.optimizer, self.scheduler, self.sampler, self.extra = net, optimizer, scheduler, sampler, extra

    def restore(self) -> dict | None:
        """Load every state from the file into the objects; returns {"iteration", "progress" (dict),
        "best_state"}, or None when there is no usable checkpoint."""
        if not self.path.is_file():
            return None
        ck = load_checkpoint(self.path)
        if ck.get("fingerprint") != self.fingerprint:
            log.warning("%s is from a different configuration or data; training from scratch", self.path)
            return None
        self.net.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        self.scheduler.load_state_dict(ck["scheduler"])
        self.sampler.load_state_dict(ck["sampler"])
        if self.extra is not None:
            self.extra.load_state_dict(ck["extra"])
        set_rng_state(ck["rng"])
        log.info("resumed from %s at iteration %d", self.path, int(ck["iteration"]))
        return {"iteration": int(ck["iteration"]), "progress": ck["progress"], "best_state": ck.get("best_state")}

    def save(self, iteration: int, progress: dict, best_state: dict | None) -> None:
        atomic_save({"iteration": iteration, "model": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                     "scheduler": self.scheduler.state_dict(), "sampler": self.sampler.state_dict(),
                     "extra": self.extra.state_dict() if self.extra is not None else {},
                     "rng": rng_state(), "progress": progress, "best_state": best_state,
                     "fingerprint": self.fingerprint}, self.path)

    def remove(self) -> None:
        """A finished run leaves no checkpoint."""
        self.path.unlink(missing_ok=True)
