"""Replica of TextZoom: five LMDB folders of word crops with case-sensitive labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lmdb
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .files import _jpeg, _png
from .scenes import _Ctx

def _font(size: int) -> ImageFont.FreeTypeFont:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size=size)


def _word_crop(rng: np.random.Generator, text: str, width: int, height: int) -> np.ndarray:
    """A word filling a width x height crop (plain background, dark or light text), as TextZoom's HR crops."""
    bg = rng.integers(0, 256, 3)
    fg = np.where(bg.mean() > 127, rng.integers(0, 60, 3), rng.integers(196, 256, 3))
    im = Image.new("RGB", (width, height), tuple(int(v) for v in bg))
    size = max(8, int(height * 0.75))
    font = _font(size)
    while size > 8 and font.getlength(text) > width - 4:
        size -= 1
        font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    xy = ((width - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top)
    ImageDraw.Draw(im).text(xy, text, font=font, fill=tuple(int(v) for v in fg))
    return np.asarray(im, dtype=np.uint8)


# (lmdb folder, labels): case-sensitive, with punctuation and one non-ASCII label, as TextZoom's
_TEXTZOOM = {
    "train1": ["Castle", "EXIT", "Hello!"],
    "train2": ["24/7", "café"],
    "test/easy": ["Museum", "open"],
    "test/medium": ["PARKING", "Tea"],
    "test/hard": ["station", "BANK"],
}


def write_textzoom_lmdb(path: Path, samples: list[tuple[str, bytes, bytes]], *, drop: bytes | None = None) -> Path:
    """A TextZoom-schema LMDB at `path`: num-samples, label-/image_hr-/image_lr-%09d (1-based, UTF-8 labels, encoded
    images as given); `drop` deletes one key afterwards (a damaged database)."""
    path.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(str(path), map_size=1 << 22)
    with env.begin(write=True) as txn:
        txn.put(b"num-samples", str(len(samples)).encode())
        for i, (label, hr, lr) in enumerate(samples, 1):
            txn.put(b"label-%09d" % i, label.encode("utf-8"))
            txn.put(b"image_hr-%09d" % i, hr)
            txn.put(b"image_lr-%09d" % i, lr)
        if drop:
            txn.delete(drop)
    env.close()
    return path


def _textzoom(ctx: _Ctx) -> dict[str, Any]:
    """`TextZoom/{train1,train2,test/easy,test/medium,test/hard}`, each an LMDB folder (data.mdb + lock.mdb) with
    `num-samples`, `label-%09d`, `image_hr-%09d`, `image_lr-%09d` (1-based; TextZoom src/dataset/dataset.py).
    HR sizes vary around 128 x 32 and LR around 64 x 16, LR not exactly half (real LR comes from another focal
    length). guessed: the encoding of the stored images (PNG here, one JPEG in train2; the official loader decodes
    any format PIL reads)."""
    # secondary: the folder tree (TextZoom src/config/super_resolution.yaml) and the keys (TextZoom readme and
    # src/dataset/dataset.py lmdbDataset_real; datasets.md 1.3)
    root = ctx.downloads / "TextZoom"
    lmdbs = {}
    for k, (sub, labels) in enumerate(_TEXTZOOM.items()):
        rng = np.random.default_rng(ctx.rng_seed(2020, k))
        path = root / sub
        hr_sizes, lr_sizes, samples = [], [], []
        for i, label in enumerate(labels, start=1):
            w, h = int(rng.integers(100, 170)), int(rng.integers(28, 42))
            hr = _word_crop(rng, label, w, h)
            lw, lh = int(round(w / 2 + rng.integers(-3, 4))), int(round(h / 2 + rng.integers(-2, 3)))
            lr = np.asarray(Image.fromarray(hr).resize((lw, lh), Image.BICUBIC), dtype=np.uint8)
            jpeg = sub == "train2" and i == 1
            samples.append((label, _jpeg(hr) if jpeg else _png(hr), _jpeg(lr) if jpeg else _png(lr)))
            hr_sizes.append((w, h))
            lr_sizes.append((lw, lh))
        write_textzoom_lmdb(path, samples)
        lmdbs[sub] = {"labels": list(labels), "hr_sizes": hr_sizes, "lr_sizes": lr_sizes}
    files = sorted(p for p in root.rglob("*") if p.is_file())
    ctx.archives["TextZoom"] = {"files": [p.relative_to(root).as_posix() for p in files],
                                "size": sum(p.stat().st_size for p in files)}
    splits = {"train": {"samples": 5, "lmdb": ["train1", "train2"]}}
    for level in ("easy", "medium", "hard"):
        splits[f"test_{level}"] = {"samples": len(_TEXTZOOM[f"test/{level}"]), "lmdb": [f"test/{level}"]}
    return {"archives": {"TextZoom": ctx.archives["TextZoom"]}, "splits": splits, "lmdb": lmdbs, "real": False}
