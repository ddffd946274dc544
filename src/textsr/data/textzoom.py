"""TextZoom LMDB (real LR/HR scene-text word pairs, x2) -> image files of the loader's fixed size.

Schema (official repo WenjiaWang0312/TextZoom, `src/dataset/dataset.py` lmdbDataset_real), index 1-based:
    num-samples         -> decimal count N
    label-%09d          -> UTF-8 word label (case-sensitive, with punctuation)
    image_hr-%09d       -> encoded HR image (about 128x32; some loaders fall back to image-%09d)
    image_lr-%09d       -> encoded LR image (about 64x16)
The stored sizes vary between samples (an HR of 130x35 beside an LR of 61x17), so HR is not 2 x LR. The official
loader resizes every pair when it reads it: `buf2PIL` decodes with PIL and `.convert('RGB')`, then
`alignCollate_real` applies `resizeNormalize((imgW, imgH))` to HR and `resizeNormalize((imgW // down_sample_scale,
imgH // down_sample_scale))` to LR, i.e. `img.resize(size, Image.BICUBIC)`, with width 128, height 32 and
down_sample_scale 2 from `src/config/super_resolution.yaml` (JasonBoy1/TextZoom @
f5b887b3be7c94db85a2687824c9c8eb06b4b6c3, `src/dataset/dataset.py`). The export does exactly that, once: HR 128x32 and LR 64x16 (W x H), PIL BICUBIC on the
RGB image, so every exported pair satisfies HR = 2 x LR and `textsr.data.patches.load_pair` reads it. The exported
pixels are the uint8 images the official loader passes to ToTensor.

Export layout (one split folder):
    images/<prefix>_<index:09d>.png       HR, 128x32
    lr/x2/<prefix>_<index:09d>.png        LR, 64x16, paired with the HR by identical file name
    labels.tsv                            `name<TAB>label` lines, label escaped (\\\\, \\t, \\n, \\r)
A payload that is already an RGB PNG of the target size is written byte-identical; every other image is decoded,
converted to RGB, resized and written as PNG. EXIF orientation is never applied.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lmdb
import numpy as np
from PIL import Image

from textsr.util.atomic import write_bytes_atomic
from textsr.util.imageio import write_png

log = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HR_SIZE = (128, 32)  # (W, H): TextZoom's loader size (super_resolution.yaml width / height); LR is HR // scale


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


def _write_image(data: bytes, out: Path, what: str, size: tuple[int, int]) -> bool:
    """Decode the payload, make it RGB of `size` (W, H) with PIL BICUBIC as the official loader, write it as PNG.

    Returns True when the image was resized (False: already that size; an RGB PNG is then written byte-identical).
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            resized = im.size != tuple(size)
            if data.startswith(PNG_MAGIC) and im.mode == "RGB" and not resized:
                rgb = None
            else:
                rgb = np.asarray(im.convert("RGB").resize(tuple(size), Image.Resampling.BICUBIC), dtype=np.uint8)
    except Exception as exc:  # PIL raises many types on corrupt data
        raise TextZoomError(f"{what}: cannot decode image ({type(exc).__name__}: {exc})") from None
    if rgb is None:
        write_bytes_atomic(out, data)
    else:
        write_png(out, rgb)
    return resized


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


def export_lmdb(path: str | Path, out_split: str | Path, *, prefix: str, scale: int = 2,
                hr_size: tuple[int, int] = HR_SIZE) -> list[tuple[str, str]]:
    """Write one LMDB's pairs into `out_split`/images/ (HR, `hr_size` W x H) and lr/x{scale}/ (LR, hr_size //
    scale); return [(file name, label)] in order.

    Both are resized as TextZoom's loader does (module docstring). labels.tsv is not written here (a split may
    merge several LMDBs); see write_labels.
    """
    out_split = Path(out_split)
    hr_w, hr_h = (int(v) for v in hr_size)
    if hr_w % scale or hr_h % scale:
        raise ValueError(f"hr_size {hr_w}x{hr_h} is not divisible by the scale {scale}")
    lr_size = (hr_w // scale, hr_h // scale)
    rows, resized_hr, resized_lr = [], 0, 0
    for sample in read_lmdb(path):
        name = f"{prefix}_{sample.index:09d}.png"
        resized_hr += _write_image(sample.hr, out_split / "images" / name, f"{path}: image_hr-{sample.index:09d}",
                                   (hr_w, hr_h))
        resized_lr += _write_image(sample.lr, out_split / "lr" / f"x{scale}" / name,
                                   f"{path}: image_lr-{sample.index:09d}", lr_size)
        rows.append((name, sample.label))
    log.info("%s: %d pairs; %d HR resized to %dx%d and %d LR to %dx%d (PIL bicubic, as TextZoom's loader)", path,
             len(rows), resized_hr, hr_w, hr_h, resized_lr, *lr_size)
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
