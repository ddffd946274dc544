"""One word of a synthetic scene: its record, its rendering (rotation, perspective, bend) and its ink quad."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from textsr.data.synthetic.background import _luma, _random_colour
from textsr.data.synthetic.config import DONTCARE, INK_ALPHA
from textsr.data.synthetic.fonts import _font


@dataclass
class SyntheticWord:
    """One rendered word. quad: (4, 2) int, x, y image pixels, TL, TR, BR, BL (clockwise, y down).

    cap_height: nominal cap height in HR pixels before perspective (font_size * the font's cap-height ratio);
    angle: degrees, counter-clockwise on screen; curve: baseline sag as a fraction of the cap height (signed);
    contrast: |luma(text) - mean luma(background under the ink)|, grey levels 0-255;
    alpha: (h, w) float32 ink coverage in [0, 1] placed at image offset (y0, x0) -- kept in memory, not saved.
    """

    text: str
    transcription: str
    quad: np.ndarray
    font: str
    font_size: float
    cap_height: float
    angle: float
    curve: float
    perspective: float
    contrast: float
    sign: bool
    dontcare_reason: str | None
    alpha: np.ndarray = field(repr=False)
    y0: int = 0
    x0: int = 0

    @property
    def dontcare(self) -> bool:
        return self.transcription == DONTCARE

    def meta(self) -> dict:
        """JSON-ready description (no ink array)."""
        d = asdict(self)
        for k in ("alpha", "y0", "x0"):
            d.pop(k)
        d["quad"] = [int(v) for v in self.quad.reshape(-1)]
        for k in ("font_size", "cap_height", "angle", "curve", "perspective", "contrast"):
            d[k] = round(float(d[k]), 3)
        return d


def _render_word(
    text: str, font_path: Path, size: float, cap: float, angle: float, jitter: np.ndarray, curve: float
) -> tuple[np.ndarray, np.ndarray]:
    """Ink coverage of a transformed word on its own canvas.

    jitter: (4, 2) perspective corner offsets in units of the text height; curve: sag / cap height.
    Returns (alpha (h, w) float32 in [0, 1], text direction unit vector (2,) in image x, y).
    """
    font = _font(font_path, size)
    left, top, right, bottom = font.getbbox(text)
    tw, th = right - left, bottom - top
    sag = curve * cap
    pad = 2 + int(math.ceil(abs(sag)))
    mw, mh = tw + 2 * pad, th + 2 * pad
    canvas = Image.new("L", (mw, mh), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), text, font=font, fill=255)
    mask = np.asarray(canvas, dtype=np.float32)
    if sag:
        # bend: column x moves down by sag * u^2 (u = -1 at the left end, 1 at the right end), centred on 0
        xs = np.arange(mw, dtype=np.float32)
        u = np.clip((xs - mw / 2.0) / max(tw / 2.0, 1.0), -1, 1)
        shift = sag * (u * u - 0.5)
        map_x = np.broadcast_to(xs[None, :], (mh, mw)).astype(np.float32)
        map_y = (np.arange(mh, dtype=np.float32)[:, None] - shift[None, :]).astype(np.float32)
        mask = cv2.remap(mask, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    # homography: centre the text box, perspective-jitter its corners, rotate
    cx, cy = mw / 2.0, mh / 2.0
    src = np.array([[-tw / 2, -th / 2], [tw / 2, -th / 2], [tw / 2, th / 2], [-tw / 2, th / 2]], np.float32)
    dst = (src + jitter.astype(np.float32) * th).astype(np.float32)
    persp = cv2.getPerspectiveTransform(src, dst)
    a = math.radians(angle)
    rot = np.array([[math.cos(a), math.sin(a), 0], [-math.sin(a), math.cos(a), 0], [0, 0, 1]])
    centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], dtype=np.float64)
    m0 = rot @ persp @ centre
    corners = np.array([[0, 0], [mw, 0], [mw, mh], [0, mh]], np.float32).reshape(-1, 1, 2)
    warped = cv2.perspectiveTransform(corners, m0).reshape(-1, 2)
    lo = np.floor(warped.min(axis=0)) - 2
    size_out = (int(np.ceil(warped.max(axis=0)[0] - lo[0])) + 3, int(np.ceil(warped.max(axis=0)[1] - lo[1])) + 3)
    shift = np.array([[1, 0, -lo[0]], [0, 1, -lo[1]], [0, 0, 1]], dtype=np.float64)
    alpha = cv2.warpPerspective(mask, shift @ m0, size_out, flags=cv2.INTER_LINEAR, borderValue=0) / 255.0
    direction = np.array([math.cos(a), -math.sin(a)])
    return alpha.astype(np.float32), direction


def _ink_quad(alpha: np.ndarray, direction: np.ndarray, grow: float = 0.5) -> np.ndarray:
    """Min-area rectangle of the ink (coverage >= INK_ALPHA), grown by `grow` px per side; (4, 2) float64 corners
    TL, TR, BR, BL relative to the text direction, in pixel-corner coordinates of `alpha`."""
    ys, xs = np.nonzero(alpha >= INK_ALPHA)
    pts = np.stack([xs + 0.5, ys + 0.5], axis=1).astype(np.float32)
    (cx, cy), (rw, rh), ang = cv2.minAreaRect(pts)
    box = cv2.boxPoints(((cx, cy), (rw + 2 * grow, rh + 2 * grow), ang)).astype(np.float64)
    return _order_quad(box, direction)


def _order_quad(box: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Order 4 corners TL, TR, BR, BL in the frame (direction, its normal pointing down the text)."""
    d = direction / np.linalg.norm(direction)
    n = np.array([-d[1], d[0]])  # (cos a, -sin a) -> (sin a, cos a): "down" for upright text
    rel = box - box.mean(axis=0)
    s, t = rel @ d, rel @ n
    order = np.argsort(np.arctan2(t, s))  # TL (-,-) < TR (+,-) < BR (+,+) < BL (-,+)
    return box[order]


def _grow_quad(quad: np.ndarray, by: float) -> np.ndarray:
    """Move each side of a rectangle-like quad outward by `by` pixels."""
    e1 = quad[1] - quad[0]
    e2 = quad[3] - quad[0]
    u1 = e1 / max(np.linalg.norm(e1), 1e-6)
    u2 = e2 / max(np.linalg.norm(e2), 1e-6)
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64)
    return quad + by * (signs[:, :1] * u1 + signs[:, 1:] * u2)


def _text_colour(rng: np.random.Generator, bg_luma: float, contrast: float) -> np.ndarray:
    """A random colour whose luma differs from bg_luma by `contrast` (clamped to what 0-255 allows)."""
    sides = [s for s in (-1, 1) if 0 <= bg_luma + s * contrast <= 255]
    if not sides:
        sides = [-1 if bg_luma > 127.5 else 1]
    side = sides[int(rng.integers(len(sides)))]
    target = float(np.clip(bg_luma + side * contrast, 0, 255))
    base = _random_colour(rng).astype(np.float64)
    sat = rng.uniform(0, 1)
    base = _luma(base) + sat * (base - _luma(base))  # desaturate towards grey by a random amount
    y0 = float(_luma(base))
    if target <= y0:
        colour = base * (target / max(y0, 1e-6))
    else:
        colour = 255 - (255 - base) * ((255 - target) / max(255 - y0, 1e-6))
    return np.clip(colour, 0, 255).astype(np.float32)
