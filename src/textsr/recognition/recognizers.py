"""The word recognizers the benchmark can score with, by name (torch-free: readers are built on first use).

    ppocrv6_small (default)  PP-OCRv6 small on onnxruntime, as rapidocr 3.10.0 (`textsr.recognition.ppocr`):
                             colour crops (it turns RGB into BGR itself), batches of 6 sorted by aspect ratio
    english_g2               EasyOCR's generation-2 English CRNN on torch (`textsr.recognition.reader`): grey crops,
                             batches of 32 (its readings do not depend on the batch size)

Each entry says which checkpoint it reads (`textsr.data.weights`), how to install that file, how to build a reader
(`.read(crops, batch_size=...) -> [Reading]`), whether it reads colour or grey crops, and its default batch size.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textsr.data.weights import PPOCR_REC, RECOGNIZER, Checkpoint

DEFAULT_RECOGNIZER = "ppocrv6_small"


def _install_ppocr(dest: str | os.PathLike) -> Path:
    from textsr.recognition.ppocr import install_rec_weights

    return install_rec_weights(dest)


def _install_g2(dest: str | os.PathLike) -> Path:
    from textsr.data.weights import install_recognizer_weights

    return install_recognizer_weights(dest)


def _build_ppocr(weights: str | os.PathLike, threads: int, device: str):
    from textsr.recognition.ppocr import PPOCRReader

    return PPOCRReader(weights, threads=threads, device=device)


def _build_g2(weights: str | os.PathLike, threads: int, device: str):
    """english_g2 on `device` ("auto": cuda when torch sees one); torch's thread count is set by the caller."""
    from textsr.recognition.reader import WordReader
    from textsr.util.device import resolve_device

    return WordReader(weights, resolve_device(device))


@dataclass(frozen=True)
class Recognizer:
    """One recognizer: `name`, its `checkpoint`, whether it reads `colour` crops (else grey), its default
    `batch_size`, whether it runs on `torch` (the caller then sets torch's CPU threads), and two functions:
    `install(dest) -> Path` (md5-checked copy of the checkpoint) and `build(weights, threads, device) -> reader`."""

    name: str
    checkpoint: Checkpoint
    colour: bool
    batch_size: int
    torch: bool
    install: Callable[[str | os.PathLike], Path]
    build: Callable[[str | os.PathLike, int, str], object]

    @property
    def filename(self) -> str:
        """The checkpoint's file name in the weights folder (e.g. 'PP-OCRv6_rec_small.onnx')."""
        return self.checkpoint.file


RECOGNIZERS: dict[str, Recognizer] = {r.name: r for r in (
    Recognizer("ppocrv6_small", PPOCR_REC, colour=True, batch_size=6, torch=False, install=_install_ppocr,
               build=_build_ppocr),
    Recognizer("english_g2", RECOGNIZER, colour=False, batch_size=32, torch=True, install=_install_g2,
               build=_build_g2),
)}


def get_recognizer(name: str) -> Recognizer:
    """The registry entry `name`; ValueError listing the known names otherwise."""
    try:
        return RECOGNIZERS[name]
    except KeyError:
        raise ValueError(f"unknown recognizer {name!r}; known: {', '.join(RECOGNIZERS)}") from None


def install_weights(name: str, dest: str | os.PathLike) -> Path:
    """Install recognizer `name`'s checkpoint at `dest` (md5-checked, atomic); returns dest."""
    return get_recognizer(name).install(dest)
