"""Archive and file writers of the replicas: zips and tars with fixed times, JPEG / PNG bytes, MAT-files."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ZIP_TIME = (2017, 1, 1, 0, 0, 0)  # fixed member timestamps: the same seed gives byte-identical archives


def _zip(path: Path, members: dict[str, bytes], *, folders: Iterable[str] = ()) -> Path:
    """A zip with `folders` as directory entries (as `zip -r` writes them) and deflated members, fixed times."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for folder in folders:
            zf.writestr(zipfile.ZipInfo(folder.rstrip("/") + "/", ZIP_TIME), b"")
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    """An uncompressed tar with its folders as directory members (as `tar cf` writes them), mtime 0."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folders = sorted({"/".join(n.split("/")[:i]) for n in members for i in range(1, n.count("/") + 1)})
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tf.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tf.addfile(info, io.BytesIO(data))
    return path


def archive_sums(path: Path) -> dict[str, Any]:
    """{"size": bytes, "md5": hex, "sha256": hex} of one written archive."""
    data = Path(path).read_bytes()
    return {"size": len(data), "md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest()}


def _jpeg(img: np.ndarray, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _matfile(cells: np.ndarray, var: str = "polygt") -> bytes:
    """A MATLAB 5.0 MAT-file holding one (N, k) cell array `var`, with a fixed header text (no date)."""
    from scipy import io as sio

    buf = io.BytesIO()
    sio.savemat(buf, {var: cells}, format="5")
    data = bytearray(buf.getvalue())
    header = b"MATLAB 5.0 MAT-file, Platform: replica, Created by: tests/replicas.py"
    data[:116] = header.ljust(116, b" ")
    return bytes(data)


def _cell(rows: list[list[Any]]) -> np.ndarray:
    """Rows of equal length -> an (N, k) object array (savemat writes it as a cell array)."""
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            out[i, j] = value
    return out
