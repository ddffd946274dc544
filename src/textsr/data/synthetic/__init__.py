"""The embedded synthetic scene-text dataset: small words on procedural backgrounds, ICDAR2015 ground truth.

Everything comes from the seed: image k of a split is drawn from `numpy.random.default_rng([seed, split, k])`
(split 0 = train, 1 = test), so the same seed gives byte-identical PNGs and GT, and image k does not change when
n_train / n_test grow. Words are real English words rendered with the DejaVu TrueType fonts matplotlib ships
(PIL FreeType, basic layout), then rotated, perspective-warped and optionally bent, on backgrounds made of smooth
colour noise, lighting gradients, soft blobs and clutter shapes (bars, grids, stripes, outlines) that give the
detector false-positive chances.

Sizes follow what the real CRAFT detector can do (DESIGN.md section 3): at HR, recall >= 0.94 from a 10 px cap
height up; after x4 bicubic only 0.29 at 12 px and 0.79 at 16 px. So most words get 10-16 px cap height, with a thin
tail either side.

Ground truth quads are fitted to the rendered ink, not the font's nominal box: the minimum-area rectangle of the
pixels whose coverage is >= INK_ALPHA, grown by half a pixel per side so it covers whole pixels (pixel (r, c) spans
[c, c+1] x [r, r+1]), rounded to integers, clockwise from the word's top-left (TL, TR, BR, BL; image y down).
"""

from textsr.data.synthetic.config import (
    DONTCARE,
    INK_ALPHA,
    SYNTHETIC_DEFAULTS,
    SyntheticConfig,
    synthetic_config,
    synthetic_image_names,
)
from textsr.data.synthetic.fonts import WORDS
from textsr.data.synthetic.generate import format_icdar2015, generate_synthetic
from textsr.data.synthetic.scene import render_scene
from textsr.data.synthetic.words import SyntheticWord

__all__ = [
    "SYNTHETIC_DEFAULTS",
    "INK_ALPHA",
    "SyntheticWord",
    "generate_synthetic",
    "render_scene",
    "synthetic_config",
    "synthetic_image_names",
    "format_icdar2015",
]
