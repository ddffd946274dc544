"""TextZoom LMDB (real LR/HR scene-text word pairs, x2) -> image files.

Schema (official repo WenjiaWang0312/TextZoom, `src/dataset/dataset.py` lmdbDataset_real), index 1-based:
    num-samples         -> decimal count N
    label-%09d          -> UTF-8 word label (case-sensitive, with punctuation)
    image_hr-%09d       -> encoded HR image (about 128x32; some loaders fall back to image-%09d)
    image_lr-%09d       -> encoded LR image (about 64x16)
Sizes vary between samples: the TextZoom loader resizes HR to 128x32 and LR to 64x16 at read time; the export
below keeps the stored pixels.

Export layout (one split folder):
    images/<prefix>_<index:09d>.png       HR
    lr/x2/<prefix>_<index:09d>.png        LR, paired with the HR by identical file name
    labels.tsv                            `name<TAB>label` lines, label escaped (\\\\, \\t, \\n, \\r)
PNG payloads are written byte-identical; other formats (JPEG) are decoded and re-encoded as RGB PNG (lossless from
the decoded pixels). EXIF orientation is never applied.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import lmdb
import numpy as np
from PIL import Image

from textsr.atomic import write_bytes_atomic
from textsr.imageio import write_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class TextZoomError(ValueError):
    """A malformed TextZoom LMDB; the message names the LMDB folder and the key."""


@dataclass(frozen=True)
class TextZoomSample:
    index: int  # 1-based, as in the LMDB keys
    label: str
    hr: bytes  # encoded image
    lr: bytes


def read_lmdb(path: str | Path) -> Iterator[TextZoomSample]:
    """Yield every sample of one TextZoom LMDB folder (holding data.mdb), in index order 1..num-samples."""
    path = Path(path)
    if not (path / "data.mdb").is_file():
        raise TextZoomError(f"{path}: not an LMDB folder (no data.mdb)")
    env = lmdb.open(str(path), readonly=True, lock=False, readahead=False, meminit=False, max_readers=1)
    try:
        with env.begin(write=False) as txn:
            raw = txn.get(b"num-samples")
            if raw is None:
                raise TextZoomError(f"{path}: key 'num-samples' missing: not a TextZoom LMDB")
            try:
                count = int(raw.decode("ascii").strip())
            except (UnicodeDecodeError, ValueError):
                raise TextZoomError(f"{path}: key 'num-samples' is {raw[:40]!r}, not an integer") from None
            for index in range(1, count + 1):
                label_key = b"label-%09d" % index
                label = txn.get(label_key)
                hr = txn.get(b"image_hr-%09d" % index)
                if hr is None:
                    hr = txn.get(b"image-%09d" % index)
                lr = txn.get(b"image_lr-%09d" % index)
                for key, value in ((label_key, label), (b"image_hr-%09d" % index, hr),
                                   (b"image_lr-%09d" % index, lr)):
                    if value is None:
                        raise TextZoomError(f"{path}: key {key.decode()!r} missing (num-samples is {count})")
                try:
                    text = label.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise TextZoomError(f"{path}: key {label_key.decode()!r} is not UTF-8 ({exc})") from None
                yield TextZoomSample(index, text, bytes(hr), bytes(lr))
    finally:
        env.close()


def _write_image(data: bytes, out: Path, what: str) -> None:
    """Check the payload decodes, then write it as PNG (bytes kept when already PNG)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            rgb = None if data.startswith(PNG_MAGIC) else np.asarray(im.convert("RGB"), dtype=np.uint8)
    except Exception as exc:  # PIL raises many types on corrupt data
        raise TextZoomError(f"{what}: cannot decode image ({type(exc).__name__}: {exc})") from None
    if rgb is None:
        write_bytes_atomic(out, data)
    else:
        write_png(out, rgb)


def escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def unescape_label(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def export_lmdb(path: str | Path, out_split: str | Path, *, prefix: str, scale: int = 2) -> list[tuple[str, str]]:
    """Write one LMDB's pairs into `out_split`/images/ and lr/x{scale}/; return [(file name, label)] in order.

    labels.tsv is not written here (a split may merge several LMDBs); see write_labels.
    """
    out_split = Path(out_split)
    rows = []
    for sample in read_lmdb(path):
        name = f"{prefix}_{sample.index:09d}.png"
        _write_image(sample.hr, out_split / "images" / name, f"{path}: image_hr-{sample.index:09d}")
        _write_image(sample.lr, out_split / "lr" / f"x{scale}" / name, f"{path}: image_lr-{sample.index:09d}")
        rows.append((name, sample.label))
    return rows


def write_labels(path: str | Path, rows: list[tuple[str, str]]) -> None:
    """`name<TAB>escaped label` per line, UTF-8, LF."""
    Path(path).write_text("".join(f"{name}\t{escape_label(label)}\n" for name, label in rows), encoding="utf-8")


def read_labels(path: str | Path) -> dict[str, str]:
    """labels.tsv -> {file name: label}; a malformed line raises ValueError naming file and line."""
    out = {}
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        name, sep, label = line.partition("\t")
        if not sep or not name:
            raise ValueError(f"{path}:{lineno}: expected 'name<TAB>label', got {line!r}")
        out[name] = unescape_label(label)
    return out
