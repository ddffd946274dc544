"""TextZoom export: stored pairs of any size -> HR 128x32 / LR 64x16 with PIL bicubic, as the official loader."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pytest
from PIL import Image

from replicas import write_textzoom_lmdb
from textsr.data import catalog
from textsr.data.download import fetch_archive
from textsr.train.patches import load_pair
from textsr.data.prepare import prepare_dataset
from textsr.data.textzoom import HR_SIZE, export_lmdb, read_labels
from textsr.util.imageio import read_image


def encode(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def noise(w: int, h: int, seed: int, channels: int = 3) -> np.ndarray:
    shape = (h, w, channels) if channels > 1 else (h, w)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def official_loader(data: bytes, size: tuple[int, int]) -> np.ndarray:
    """TextZoom's loader (JasonBoy1/TextZoom src/dataset/dataset.py: buf2PIL, resizeNormalize) before ToTensor."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB").resize(size, Image.Resampling.BICUBIC))


def test_pairs_of_varying_stored_sizes_are_exported_as_the_loader_sees_them_and_load_as_x2_pairs(tmp_path):
    pairs = [
        ("Castle", encode(noise(130, 35, 1)), encode(noise(61, 17, 2))),  # neither at the loader's size
        ("as-is", encode(noise(128, 32, 3)), encode(noise(64, 16, 4))),  # already 128x32 / 64x16 RGB PNG
        ("gray", encode(noise(100, 20, 5), "JPEG"), encode(noise(40, 12, 6, channels=1))),  # JPEG; grey PNG
    ]
    rows = export_lmdb(write_textzoom_lmdb(tmp_path / "train1", pairs), tmp_path / "out", prefix="train1")
    assert rows == [("train1_000000001.png", "Castle"), ("train1_000000002.png", "as-is"),
                    ("train1_000000003.png", "gray")]
    for (name, _), (_, hr, lr) in zip(rows, pairs):
        hr_out, lr_out = tmp_path / "out/images" / name, tmp_path / "out/lr/x2" / name
        assert np.array_equal(read_image(hr_out), official_loader(hr, (128, 32)))
        assert np.array_equal(read_image(lr_out), official_loader(lr, (64, 16)))
        hr_pair, lr_pair = load_pair(hr_out, lr_out, 2)  # raised before: 130x35 // 2 != 61x17
        assert hr_pair.shape == (32, 128, 3) and lr_pair.shape == (16, 64, 3)
    assert (tmp_path / "out/images/train1_000000002.png").read_bytes() == pairs[1][1]  # nothing to resize: kept
    assert HR_SIZE == (128, 32)


def test_the_resize_is_pil_bicubic_hand_computed_on_stripes(tmp_path):
    # HR stored 128x64: rows alternate 0 / 200, so only the height is resized (64 -> 32, factor 2). PIL's bicubic
    # (a = -0.5) with antialiasing stretches the kernel by 2: output row i is centred on input 2i + 1 and tap j has
    # weight k((j + 0.5 - (2i + 1)) / 2), k(0.25) = 0.8671875, k(0.75) = 0.2265625, k(1.25) = -0.0703125,
    # k(1.75) = -0.0234375, normalised over the taps inside the image.
    #   row 0: taps j = 0..4 (values 0, 200, 0, 200, 0): 200 * (0.8671875 - 0.0703125) / 1.8671875 = 85.4 -> 85
    #   row 1: taps j = 0..6: 200 * (0.2265625 + 0.8671875 - 0.0703125) / 2.0234375 = 101.2 -> 101
    #   row 2: taps j = 1..8, symmetric: 200 * 1.0 / 2.0 = 100
    # (bilinear would give 86, 100, 100; lanczos 83, 104, 100)
    stripes = np.zeros((64, 128, 3), np.uint8)
    stripes[1::2] = 200
    lr = encode(noise(64, 16, 1))
    export_lmdb(write_textzoom_lmdb(tmp_path / "db", [("x", encode(stripes), lr)]), tmp_path / "out", prefix="db")
    hr = read_image(tmp_path / "out/images/db_000000001.png")
    assert hr.shape == (32, 128, 3)
    assert hr[:3, 60, 0].tolist() == [85, 101, 100]


def test_hr_size_must_be_divisible_by_the_scale(tmp_path):
    with pytest.raises(ValueError, match="not divisible by the scale 2"):
        export_lmdb(tmp_path, tmp_path / "out", prefix="x", hr_size=(127, 32))


def test_prepared_textzoom_records_sizes_and_the_verified_folder_sha256(tmp_path):
    dl = tmp_path / "dl"
    for i, sub in enumerate(catalog.ARCHIVES["TextZoom"]["contains"]):
        pair = (f"w{i}", encode(noise(130, 35, i)), encode(noise(61, 17, i)))
        write_textzoom_lmdb((dl / "TextZoom" / sub).parent, [pair])
    fetch_archive("TextZoom", dl)
    m = prepare_dataset("textzoom", dl, tmp_path / "textzoom", splits=["train", "test_hard"])
    record = (dl / "TextZoom.sha256.json").read_bytes()
    # was {"sha256": null}: the record was looked up as TextZoom.sha256
    assert m["sources"] == {"TextZoom": {"sha256": hashlib.sha256(record).hexdigest(), "verified": True}}
    assert m["splits"]["train"]["hr_size"] == [128, 32] and m["splits"]["train"]["lr_size"] == [64, 16]
    assert m["splits"]["train"]["images"] == 2 and m["splits"]["test_hard"]["images"] == 1
    assert read_labels(tmp_path / "textzoom/train/labels.tsv") == {"train1_000000001.png": "w0",
                                                                   "train2_000000001.png": "w1"}
    assert json.loads((tmp_path / "textzoom/manifest.json").read_text())["sources"] == m["sources"]
    for name in ("train1_000000001.png", "train2_000000001.png"):
        hr, lr = load_pair(tmp_path / "textzoom/train/images" / name, tmp_path / "textzoom/train/lr/x2" / name, 2)
        assert hr.shape == (32, 128, 3) and lr.shape == (16, 64, 3)
