"""Replicas of the SR pair sets (DIV2K, and Set5 / Set14 / B100 / Urban100 in one benchmark.tar) and a user's folder
of HR images."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from textsr.data.synthetic import render_scene, synthetic_config
from textsr.degrade import bicubic_downscale

from .files import _decode, _jpeg, _png
from .scenes import _Ctx, _result, _split

SR_SETS = {"set5": "Set5", "set14": "Set14", "b100": "B100", "urban100": "Urban100"}


def _sr_image(key: Iterable[int], width: int, height: int) -> np.ndarray:
    """A photo-like synthetic HR image of exactly width x height (cluttered background, a few words)."""
    w4, h4 = -(-width // 4) * 4, -(-height // 4) * 4  # render_scene wants multiples of 4; crop afterwards
    config = synthetic_config(width=w4, height=h4, clutter=[6, 12], noise_sigma=0.0)
    image, _ = render_scene(config, np.random.default_rng(list(key)), 8)
    return image[:height, :width]


def _div2k(ctx: _Ctx, scales: Iterable[int] = (2, 3, 4)) -> dict[str, Any]:
    """`DIV2K_{train,valid}_HR.zip` (`DIV2K_train_HR/0001.png`) and `DIV2K_{split}_LR_bicubic_X{s}.zip`
    (`DIV2K_train_LR_bicubic/X{s}/0001x{s}.png`): torchSR track_dirs / TFDS (datasets.md 1.1). HR sizes are
    multiples of 12 and one image is portrait. secondary: that every real DIV2K HR size is a multiple of 12 (so that
    the x2 / x3 / x4 LR sizes are exact); it holds for the sizes quoted in public issues (e.g. 2040 x 1404)."""
    names, splits = [], {}
    for k, (split, stems, sizes) in enumerate((
            ("train", ["0001", "0002", "0003"], [(360, 240), (240, 360), (384, 252)]),
            ("valid", ["0801", "0802"], [(360, 240), (300, 228)]))):
        hr_members, lr_members = {}, {s: {} for s in scales}
        for i, (stem, (w, h)) in enumerate(zip(stems, sizes)):
            hr = _sr_image(ctx.rng_seed(2000, k, i), w, h)
            hr_members[f"DIV2K_{split}_HR/{stem}.png"] = _png(hr)
            for s in scales:
                lr_members[s][f"DIV2K_{split}_LR_bicubic/X{s}/{stem}x{s}.png"] = _png(bicubic_downscale(hr, s))
        # secondary: folders and names inside the zips (torchSR div2k.py track_dirs, TFDS div2k builder)
        names.append(ctx.zip(f"DIV2K_{split}_HR.zip", hr_members, folders=[f"DIV2K_{split}_HR"]))
        for s in scales:
            names.append(ctx.zip(f"DIV2K_{split}_LR_bicubic_X{s}.zip", lr_members[s],
                                 folders=[f"DIV2K_{split}_LR_bicubic", f"DIV2K_{split}_LR_bicubic/X{s}"]))
        images = [f"{stem}.png" for stem in stems]
        splits[split] = _split(images, lr={s: images for s in scales})
    return _result(ctx, names, splits, real=False)


# name -> (width, height): real names and sizes of Set14 `comic` (250 x 361, not a multiple of 2: EDSR-PyTorch
# issue #292) and of B100 (481 x 321 / 321 x 481, the BSDS image sizes); Urban100 scaled down to <= 640 px.
_SYNTHETIC_SR = {
    "Set5": {"baby": (256, 256), "bird": (288, 288)},
    "Set14": {"comic": (250, 361), "ppt3": (360, 240)},
    "B100": {"3096": (481, 321), "8023": (321, 481)},
    "Urban100": {"img_001": (384, 288), "img_002": (384, 256)},
}
SET5_NAMES = ("baby", "bird", "butterfly", "head", "woman")


def _benchmark(ctx: _Ctx, keys: list[str], scales: Iterable[int] = (2, 3, 4)) -> dict[str, dict[str, Any]]:
    """`benchmark.tar`: `benchmark/<Set>/HR/<name>.png`, `benchmark/<Set>/LR_bicubic/X<s>/<name>x<s>.png`.

    Set5 with samples: HR = the RCAN repository's `*_HR_x4.png` (every Set5 size is a multiple of 4, so these are
    the original pixels; their bytes stand in for the tar's), LR x2 / x4 = its MATLAB `*_LRBI_x{2,4}.png` renamed;
    x3 (not in the samples) is computed here with the same MATLAB-exact bicubic.
    """
    members: dict[str, bytes] = {}
    out: dict[str, dict[str, Any]] = {}
    real_set5 = all(ctx.sample(f"set5/HR/{n}_HR_x4.png") for n in SET5_NAMES) and all(
        ctx.sample(f"set5/LR_bicubic/X{s}/{n}_LRBI_x{s}.png") for n in SET5_NAMES for s in (2, 4))
    for k, key in enumerate(keys):
        folder = SR_SETS[key]
        real = key == "set5" and real_set5
        names = list(SET5_NAMES) if real else list(_SYNTHETIC_SR[folder])
        for i, name in enumerate(names):
            if real:
                hr_bytes = ctx.sample(f"set5/HR/{name}_HR_x4.png").read_bytes()
                hr = _decode(hr_bytes)
                lr = {s: ctx.sample(f"set5/LR_bicubic/X{s}/{name}_LRBI_x{s}.png").read_bytes() for s in (2, 4)}
            else:
                hr = _sr_image(ctx.rng_seed(100, k, i), *_SYNTHETIC_SR[folder][name])
                hr_bytes, lr = _png(hr), {}
            members[f"benchmark/{folder}/HR/{name}.png"] = hr_bytes
            for s in scales:
                data = lr.get(s) or _png(bicubic_downscale(hr, s))
                members[f"benchmark/{folder}/LR_bicubic/X{s}/{name}x{s}.png"] = data
        images = [f"{n}.png" for n in names]
        out[key] = {"splits": {"test": _split(images, lr={s: images for s in scales})}, "real": real}
    # secondary: the tree (torchSR benchmarks.py, EDSR-PyTorch src/data/benchmark.py + srdata.py); guessed: that
    # every set has X2, X3 and X4 (torchSR's and EDSR's loaders ask for each of them)
    ctx.tar("benchmark.tar", members)
    for key in keys:
        out[key] = {"archives": {"benchmark.tar": ctx.archives["benchmark.tar"]}, **out[key]}
    return out


def write_user_folder(folder: str | Path, *, n: int = 3, seed: int = 0) -> list[str]:
    """A user's folder of HR images (config `source: folder`): PNG and JPEG, 240-360 px; returns the file names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        hr = _sr_image([seed, 3000, i], 360 if i % 2 == 0 else 240, 240)
        name = f"user_{i + 1:02d}.{'png' if i % 2 == 0 else 'jpg'}"
        (folder / name).write_bytes(_png(hr) if name.endswith(".png") else _jpeg(hr, quality=95))
        names.append(name)
    return names
