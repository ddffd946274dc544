"""Where torch work runs: the GPU when one is visible (the pipeline's `gpu` resources), else the CPU."""

from __future__ import annotations

import torch


def resolve_device(device: str = "auto") -> torch.device:
    """"auto" -> cuda when available, else cpu; anything else is passed to torch.device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
