"""Photograph-like backgrounds of the synthetic scenes: smooth colour noise, lighting, grain, blobs, clutter."""

from __future__ import annotations

import cv2
import numpy as np

def _luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of (..., 3) RGB, same units."""
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=rgb.dtype)


def _smooth_field(rng: np.random.Generator, h: int, w: int, cells: int, channels: int = 1) -> np.ndarray:
    """(h, w, channels) float32 smooth noise in ~[0, 1] with about `cells` blobs along the long side."""
    gw = max(2, cells)
    gh = max(2, int(round(cells * h / w)))
    grid = rng.random((gh, gw, channels)).astype(np.float32)
    up = cv2.resize(grid, (w, h), interpolation=cv2.INTER_LINEAR)
    up = cv2.GaussianBlur(up, (0, 0), 0.35 * w / gw)
    up = up.reshape(h, w, channels)
    lo, hi = up.min(), up.max()
    return (up - lo) / max(hi - lo, 1e-6)


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, 3).astype(np.float32)


def _blend_mask(img: np.ndarray, mask: np.ndarray, colour: np.ndarray, opacity: float = 1.0) -> None:
    """img (H, W, 3) float32 <- img * (1 - a) + colour * a, a = mask (uint8 or float [0, 1]) * opacity, in place."""
    if mask.dtype == np.uint8:
        x, y, bw, bh = cv2.boundingRect(mask)  # only where the mask is non-zero
        if bw == 0 or bh == 0:
            return
        img = img[y : y + bh, x : x + bw]
        a = mask[y : y + bh, x : x + bw].astype(np.float32) * (opacity / 255.0)
    else:
        a = mask.astype(np.float32) * opacity
    a = a[..., None]
    img *= 1.0 - a
    img += a * colour


def _background(rng: np.random.Generator, h: int, w: int, clutter: tuple[int, int]) -> np.ndarray:
    """A photograph-like (H, W, 3) float32 background, 0-255."""
    c1, c2, c3 = _random_colour(rng), _random_colour(rng), _random_colour(rng)
    t = _smooth_field(rng, h, w, int(rng.integers(2, 6)))
    u = _smooth_field(rng, h, w, int(rng.integers(4, 12)))
    img = c1 * (1 - t) + c2 * t
    img = img * (1 - 0.5 * u) + c3 * (0.5 * u)
    # lighting: a linear gradient in a random direction, +-25 %
    theta = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (np.cos(theta) * xx / w + np.sin(theta) * yy / h)[..., None]
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    img *= 0.75 + 0.5 * ramp
    # fine texture: isotropic grain or streaks (wood, fabric)
    if rng.random() < 0.5:
        grain = _smooth_field(rng, h, w, w // 3)
    else:
        small = rng.random((max(2, h // int(rng.integers(1, 3))), max(2, w // 24), 1)).astype(np.float32)
        grain = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, 1)
        if rng.random() < 0.5:
            grain = np.ascontiguousarray(np.rot90(cv2.resize(small, (h, w), interpolation=cv2.INTER_LINEAR)))
            grain = grain.reshape(h, w, 1)
    img += (grain - 0.5) * rng.uniform(5, 30)
    # soft blobs
    for _ in range(int(rng.integers(2, 7))):
        mask = np.zeros((h, w), np.uint8)
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(w // 16, w // 3)), int(rng.integers(h // 16, h // 3)))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
        mask = cv2.GaussianBlur(mask, (0, 0), float(rng.uniform(3, 15)))
        _blend_mask(img, mask, _random_colour(rng), float(rng.uniform(0.3, 0.9)))
    for _ in range(int(rng.integers(clutter[0], clutter[1] + 1))):
        _clutter_shape(rng, img)
    return img


def _clutter_shape(rng: np.random.Generator, img: np.ndarray) -> None:
    """One non-text shape: outline or filled rectangle/ellipse, line, zigzag, window grid, bars or stripes."""
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    kind = rng.choice(["rect", "ellipse", "line", "zigzag", "grid", "bars", "stripes", "polygon"])
    x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
    thick = int(rng.integers(1, 4))
    fill = -1 if rng.random() < 0.5 else thick
    if kind == "rect":
        rw, rh = int(rng.integers(8, w // 3)), int(rng.integers(8, h // 3))
        box = cv2.boxPoints(((x, y), (rw, rh), float(rng.uniform(-30, 30))))
        cv2.drawContours(mask, [np.round(box).astype(np.int32)], 0, 255, fill, cv2.LINE_AA)
    elif kind == "ellipse":
        axes = (int(rng.integers(4, w // 6)), int(rng.integers(4, h // 6)))
        cv2.ellipse(mask, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, 255, fill, cv2.LINE_AA)
    elif kind == "line":
        x2, y2 = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.line(mask, (x, y), (x2, y2), 255, thick, cv2.LINE_AA)
    elif kind in ("zigzag", "polygon"):
        n = int(rng.integers(3, 8))
        pts = np.stack([x + rng.normal(0, w / 10, n), y + rng.normal(0, h / 10, n)], axis=1)
        pts = np.round(pts).astype(np.int32)
        if kind == "zigzag":
            cv2.polylines(mask, [pts], False, 255, thick, cv2.LINE_AA)
        else:
            cv2.fillPoly(mask, [pts], 255, cv2.LINE_AA)
    elif kind == "grid":  # windows of a building, tiles
        rows, cols = int(rng.integers(2, 6)), int(rng.integers(2, 8))
        cw, ch = int(rng.integers(4, 14)), int(rng.integers(4, 14))
        gap = int(rng.integers(2, 8))
        for i in range(rows):
            for j in range(cols):
                x0, y0 = x + j * (cw + gap), y + i * (ch + gap)
                cv2.rectangle(mask, (x0, y0), (x0 + cw, y0 + ch), 255, -1)
    elif kind == "bars":  # fence, railing, barcode-like vertical strokes: text-like, a false-positive chance
        n, step = int(rng.integers(4, 16)), int(rng.integers(3, 9))
        bh = int(rng.integers(6, 30))
        for j in range(n):
            cv2.line(mask, (x + j * step, y), (x + j * step, y + bh), 255, thick, cv2.LINE_AA)
    else:  # stripes: a band of parallel lines
        n, step = int(rng.integers(3, 10)), int(rng.integers(3, 10))
        length = int(rng.integers(20, w // 2))
        ang = rng.uniform(0, np.pi)
        dx, dy = np.cos(ang), np.sin(ang)
        for j in range(n):
            ox, oy = x - dy * j * step, y + dx * j * step
            p1 = (int(ox), int(oy))
            p2 = (int(ox + dx * length), int(oy + dy * length))
            cv2.line(mask, p1, p2, 255, thick, cv2.LINE_AA)
    sigma = float(rng.uniform(0, 1.5))
    if sigma > 0.3:
        mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    _blend_mask(img, mask, _random_colour(rng), float(rng.uniform(0.5, 1.0)))

