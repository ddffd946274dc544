"""A synthetic scene: words drawn one after another onto a background, each where it fits without overlap.

The random draws of a word come in a fixed order (its style, then its text and place, then its plate and ink
colour), so a scene is a pure function of its generator's state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from textsr.data.synthetic.background import _background, _blend_mask, _luma, _random_colour
from textsr.data.synthetic.config import DONTCARE, INK_ALPHA, SyntheticConfig
from textsr.data.synthetic.fonts import _cap_ratio, _word_text
from textsr.data.synthetic.words import SyntheticWord, _grow_quad, _ink_quad, _render_word, _text_colour


@dataclass(frozen=True)
class _Style:
    """The random choices of one word before its text: cap height (px), font index, angle (degrees), perspective
    jitter (4, 2), curve (sag / cap height), sign plate or not, plate colour (3,) RGB, target contrast (grey levels)."""

    cap: float
    font_i: int
    angle: float
    jitter: np.ndarray
    curve: float
    sign: bool
    plate_colour: np.ndarray
    contrast: float


@dataclass(frozen=True)
class _Fitted:
    """A word that fits: its text, font size, ink (h, w) float32, ink quad and outer (margin) quad (4, 2) in canvas
    pixels, and the canvas offset (y0, x0) in the image."""

    text: str
    size: float
    alpha: np.ndarray
    quad: np.ndarray
    outer: np.ndarray
    y0: int
    x0: int


def _draw_style(config: SyntheticConfig, rng: np.random.Generator, weights: np.ndarray) -> _Style:
    """One word's style; a tenth (dontcare_fraction) are made illegible on purpose, half tiny, half low contrast."""
    dontcare_kind = None
    if rng.random() < config.dontcare_fraction:
        dontcare_kind = "small" if rng.random() < 0.5 else "low_contrast"
    if dontcare_kind == "small":
        cap = float(rng.uniform(*config.dontcare_cap_heights))
    else:
        cap = float(config.cap_heights[int(rng.choice(len(weights), p=weights))])
    font_i = int(rng.integers(len(config.fonts)))
    angle = float(rng.uniform(-config.max_angle, config.max_angle))
    jitter = rng.uniform(-config.perspective, config.perspective, (4, 2))
    curve = 0.0
    if rng.random() < config.curve_prob:
        curve = float(rng.uniform(0.5, 1.0) * config.max_curve * rng.choice([-1, 1]))
    sign = bool(rng.random() < config.sign_prob)
    plate_colour = _random_colour(rng)
    if dontcare_kind == "low_contrast":
        contrast = float(rng.uniform(4.0, 0.6 * config.min_legible_contrast))
    else:
        contrast = float(rng.uniform(config.min_contrast, max(config.min_contrast, 160.0)))
    return _Style(cap, font_i, angle, jitter, curve, sign, plate_colour, contrast)


def _fit(config: SyntheticConfig, rng: np.random.Generator, occupied: np.ndarray, style: _Style) -> _Fitted | None:
    """Text, rendering and place of a word: one that does not fit gets up to 3 shorter tries, each placed up to 10
    times; None when none fits or the rendering has no ink."""
    cap, font_path = style.cap, config.font_paths[style.font_i]
    max_len = 10
    for _attempt in range(3):
        text = _word_text(rng, max_len)
        size = cap / _cap_ratio(font_path)
        alpha, direction = _render_word(text, font_path, size, cap, style.angle, style.jitter, style.curve)
        if not np.any(alpha >= INK_ALPHA):
            return None
        quad = _ink_quad(alpha, direction)
        margin = max(2.0, 0.3 * cap)
        outer = _grow_quad(quad, margin + (0.35 * cap + 1.0 if style.sign else 0.0))
        placed = _place(rng, occupied, alpha, outer)
        if placed is not None:
            return _Fitted(text, size, alpha, quad, outer, *placed)
        max_len = max(3, len(text) - 2)
    return None


def _ink(img: np.ndarray, config: SyntheticConfig, rng: np.random.Generator, style: _Style, fitted: _Fitted
         ) -> SyntheticWord:
    """Draw a fitted word onto img (H, W, 3) float32 in place (its plate first when it has one); its record, `###`
    when its cap height or its actual contrast is below the legible minimum."""
    cap, alpha, y0, x0 = style.cap, fitted.alpha, fitted.y0, fitted.x0
    quad_img = fitted.quad + (x0, y0)
    ah, aw = alpha.shape
    if style.sign:
        plate = _grow_quad(quad_img, 0.35 * cap + 1.0)
        mask = np.zeros(img.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(plate * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        _blend_mask(img, mask, style.plate_colour, float(rng.uniform(0.85, 1.0)))
    region = img[y0 : y0 + ah, x0 : x0 + aw]
    ink_w = alpha / max(float(alpha.sum()), 1e-6)
    bg_luma = float((_luma(region) * ink_w).sum())
    colour = _text_colour(rng, bg_luma, style.contrast)
    contrast = abs(float(_luma(colour)) - bg_luma)
    _blend_mask(region, alpha, colour)
    if cap < config.min_legible_cap_height:
        reason = "small"
    elif contrast < config.min_legible_contrast:
        reason = "low_contrast"
    else:
        reason = None
    return SyntheticWord(
        text=fitted.text,
        transcription=DONTCARE if reason else fitted.text,
        quad=np.rint(quad_img).astype(np.int64),
        font=config.fonts[style.font_i],
        font_size=fitted.size,
        cap_height=cap,
        angle=style.angle,
        curve=style.curve,
        perspective=float(np.abs(style.jitter).max()),
        contrast=contrast,
        sign=style.sign,
        dontcare_reason=reason,
        alpha=alpha,
        y0=y0,
        x0=x0,
    )


def render_scene(
    config: SyntheticConfig, rng: np.random.Generator, n_words: int
) -> tuple[np.ndarray, list[SyntheticWord]]:
    """One synthetic image with up to n_words non-overlapping words.

    Returns (image (H, W, 3) uint8, list[SyntheticWord]); fewer words when some do not fit after several tries.
    """
    h, w = config.height, config.width
    img = _background(rng, h, w, config.clutter)
    occupied = np.zeros((h, w), bool)
    words: list[SyntheticWord] = []
    weights = np.asarray(config.cap_height_weights) / sum(config.cap_height_weights)
    for _ in range(n_words):
        style = _draw_style(config, rng, weights)
        fitted = _fit(config, rng, occupied, style)
        if fitted is None:
            continue
        _fill_quad(occupied, fitted.outer + (fitted.x0, fitted.y0))
        words.append(_ink(img, config, rng, style, fitted))
    if config.noise_sigma > 0:
        img += rng.normal(0.0, config.noise_sigma, img.shape).astype(np.float32)
    out = np.floor(np.clip(img, 0, 255) + 0.5).astype(np.uint8)
    return out, words


def _fill_quad(mask: np.ndarray, quad: np.ndarray) -> None:
    tmp = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(tmp, [np.round(quad * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    mask |= tmp.astype(bool)


def _place(
    rng: np.random.Generator, occupied: np.ndarray, alpha: np.ndarray, outer: np.ndarray, tries: int = 10
) -> tuple[int, int] | None:
    """Integer offset (y0, x0) putting the word canvas inside the image, the outer quad 1 px inside the border and
    clear of `occupied`; None when no try succeeds."""
    h, w = occupied.shape
    ah, aw = alpha.shape
    ys, xs = np.nonzero(alpha > 0)
    lo = np.minimum(outer.min(axis=0), [xs.min(), ys.min()])  # x, y extent of ink and outer quad
    hi = np.maximum(outer.max(axis=0), [xs.max() + 1, ys.max() + 1])
    x_min, x_max = int(math.ceil(1 - min(lo[0], 0))), int(math.floor(w - 1 - max(hi[0], aw)))
    y_min, y_max = int(math.ceil(1 - min(lo[1], 0))), int(math.floor(h - 1 - max(hi[1], ah)))
    if x_min > x_max or y_min > y_max:
        return None
    # footprint of the outer quad relative to the canvas origin, in a box covering it
    bx0, by0 = int(math.floor(lo[0])), int(math.floor(lo[1]))
    bx1, by1 = int(math.ceil(hi[0])), int(math.ceil(hi[1]))
    foot = np.zeros((by1 - by0 + 1, bx1 - bx0 + 1), np.uint8)
    cv2.fillPoly(foot, [np.round((outer - (bx0, by0)) * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    foot = foot.astype(bool)
    for _ in range(tries):
        x0, y0 = int(rng.integers(x_min, x_max + 1)), int(rng.integers(y_min, y_max + 1))
        sub = occupied[y0 + by0 : y0 + by1 + 1, x0 + bx0 : x0 + bx1 + 1]
        if not np.any(sub & foot[: sub.shape[0], : sub.shape[1]]):
            return y0, x0
    return None

