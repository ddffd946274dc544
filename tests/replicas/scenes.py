"""Synthetic scenes of the detection replicas (`render_scene` on plain backgrounds, ground truth from the ink)
and the context every archive writer gets (downloads folder, real samples, seed, sums of the written archives)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from textsr.data.synthetic import INK_ALPHA, render_scene, synthetic_config

from .files import _tar, _zip, archive_sums

def _scene_config(width: int, height: int, **overrides: Any):
    """render_scene settings for detection replicas: plain backgrounds, 12-30 px cap height, high contrast."""
    params = dict(width=width, height=height, cap_heights=[12, 14, 16, 18, 20, 24, 30],
                  cap_height_weights=[0.2, 0.2, 0.15, 0.15, 0.1, 0.1, 0.1], clutter=[0, 0], noise_sigma=0.0,
                  dontcare_fraction=0.0, max_angle=0.0, perspective=0.0, curve_prob=0.0, min_contrast=110.0)
    params.update(overrides)
    return synthetic_config(**params)


def _scene(seed: Iterable[int], width: int, height: int, n_words: int, *, pad: tuple[int, int] = (0, 0),
           **overrides: Any):
    """(image (H + pad[1], W + pad[0], 3) uint8, words) drawn from default_rng(seed); at least one word.

    pad: columns / rows of edge pixels added right / bottom, for sizes that are not multiples of the SR scale
    (render_scene draws multiples of 4; padding, unlike cropping, cannot cut a word).
    """
    config = _scene_config(width, height, **overrides)
    rng = np.random.default_rng(list(seed))
    image, words = render_scene(config, rng, n_words)
    if not words:
        raise RuntimeError(f"replica scene {list(seed)} placed no word; change the seed or the size")
    if pad != (0, 0):
        image = np.pad(image, ((0, pad[1]), (0, pad[0]), (0, 0)), mode="edge")
    return image, words


# guessed: real IC13 / CTW-1500 / Total-Text images come in many sizes, not all multiples of 2 or 4; one test image of
# each of these replicas has such a size (x2 / x4 modcrop then drops its last rows / columns)
ODD_PAD = (3, 2)


def _box(word) -> tuple[int, int, int, int]:
    """Axis-aligned xmin, ymin, xmax, ymax of a word's ink (coverage >= INK_ALPHA), in pixel-corner coordinates:
    pixel (r, c) spans [c, c+1] x [r, r+1], so xmax = last ink column + 1."""
    ys, xs = np.nonzero(word.alpha >= INK_ALPHA)
    return (int(xs.min() + word.x0), int(ys.min() + word.y0), int(xs.max() + 1 + word.x0),
            int(ys.max() + 1 + word.y0))


def _ink_polygon(word, n_side: int) -> np.ndarray:
    """(2 * n_side, 2) int vertices around a word's ink: n_side along the top left to right, then n_side along the
    bottom right to left (clockwise, y down; CTW-1500's and Total-Text's order). Upright words only (angle 0):
    vertex i's y is the extreme ink row of the columns nearest to its x."""
    ys, xs = np.nonzero(word.alpha >= INK_ALPHA)
    xs = xs + 0.5
    x_lo, x_hi = float(np.floor(xs.min())), float(np.ceil(xs.max()))
    edges = np.linspace(x_lo, x_hi, n_side)
    half = (x_hi - x_lo) / (n_side - 1) / 2.0
    top, bottom = [], []
    for ex in edges:
        width = half
        while not np.any(sel := np.abs(xs - ex) <= width):
            width += 1.0
        top.append(ys[sel].min())
        bottom.append(ys[sel].max() + 1)
    pts = [(ex, t) for ex, t in zip(edges, top)] + [(ex, b) for ex, b in zip(edges[::-1], bottom[::-1])]
    return np.rint(np.asarray(pts, dtype=np.float64) + (word.x0, word.y0)).astype(np.int64)


class _Ctx:
    def __init__(self, downloads: Path, samples: Path | None, seed: int):
        self.downloads, self.samples, self.seed = downloads, samples, seed
        self.archives: dict[str, dict[str, Any]] = {}

    def rng_seed(self, *parts: int) -> list[int]:
        return [self.seed, *parts]

    def sample(self, rel: str) -> Path | None:
        """A file of the real samples, or None when samples are not given / absent."""
        if self.samples is None:
            return None
        path = self.samples / rel
        return path if path.is_file() else None

    def zip(self, name: str, members: dict[str, bytes], *, folders: Iterable[str] = ()) -> str:
        _zip(self.downloads / name, members, folders=folders)
        self.archives[name] = archive_sums(self.downloads / name)
        return name

    def tar(self, name: str, members: dict[str, bytes]) -> str:
        _tar(self.downloads / name, members)
        self.archives[name] = archive_sums(self.downloads / name)
        return name


def _split(images: list[str], gt: dict[str, tuple[list[str], int]] | None = None,
           lr: dict[int, list[str]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"images": sorted(images)}
    if gt is not None:
        out["gt"] = {variant: {"files": sorted(files), "regions": regions} for variant, (files, regions) in gt.items()}
    if lr is not None:
        out["lr"] = {int(s): sorted(names) for s, names in lr.items()}
    return out


def _result(ctx: _Ctx, names: list[str], splits: dict[str, Any], real: bool) -> dict[str, Any]:
    return {"archives": {n: ctx.archives[n] for n in names}, "splits": splits, "real": real}
