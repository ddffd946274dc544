"""Loading checkpoints from outside: `torch.load(weights_only=True)` with errors that name the file."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or is refused by the safe loader; the message names the file."""


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu"):
    """`torch.load(path, weights_only=True)`: tensors, containers and plain values only, never arbitrary objects.

    A file that is missing raises FileNotFoundError; one that is corrupt, truncated or holds objects the safe
    loader refuses (a pickled model class, say) raises CheckpointError naming the file and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, AttributeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: refused or unreadable checkpoint ({first})") from exc
