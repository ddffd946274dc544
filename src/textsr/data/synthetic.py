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

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from textsr.imageio import write_png

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

INK_ALPHA = 0.25  # a pixel is ink when the glyph covers at least this fraction of it
DONTCARE = "###"

# Keyword parameters of generate_synthetic (JSON types only; the pipeline config mirrors them under `synthetic:`).
SYNTHETIC_DEFAULTS: dict = {
    "n_train": 24,
    "n_test": 12,
    "width": 320,
    "height": 240,
    "words_per_image": [6, 12],
    "train_words_per_image": [12, 24],
    "cap_heights": [8, 10, 11, 12, 13, 14, 16, 20, 24, 32],
    "cap_height_weights": [0.04, 0.14, 0.14, 0.14, 0.14, 0.14, 0.14, 0.05, 0.04, 0.03],
    "dontcare_fraction": 0.1,
    "dontcare_cap_heights": [3.0, 5.5],
    "min_legible_cap_height": 6.0,
    "min_legible_contrast": 30.0,
    "min_contrast": 80.0,
    "fonts": [
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSerif.ttf",
        "DejaVuSerif-Bold.ttf",
        "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold.ttf",
    ],
    "max_angle": 12.0,
    "perspective": 0.15,
    "curve_prob": 0.15,
    "max_curve": 0.4,
    "sign_prob": 0.35,
    "clutter": [8, 20],
    "noise_sigma": 2.0,
}

# Common English words, 3-10 letters (no proper names, nothing offensive).
WORDS = tuple(
    """
    about above accept across action active actor address adult advice after again agent agree ahead allow almost
    alone along already also always amount animal answer apple area argue around arrive article artist avoid award
    away baby back bakery balance ball bank base basket beach bear beauty become before begin behind believe below
    best better between beyond bicycle bird black blood blue board boat body book border bottle bottom bread break
    bridge bright bring brother brown budget build burger business butter button cable cafe camera camp candle
    capital captain card care carry case castle cause center chair chance change charge cheap check cheese chicken
    child choice church circle city class clean clear clock close cloud coach coast coffee cold color come common
    corner cotton country course cover cream credit cross crowd culture cycle daily dance danger dark data daughter
    deal debate decide deep degree delivery dental design desk detail dinner direct doctor door double down dream
    dress drink drive during early earth east easy economy edge effect eight either energy engine enjoy enough enter
    entry escape evening event every exact exit expert express face fact factory family fashion father fear feel
    field figure film final finger fire first fish five floor flower focus follow food foot force forest forget form
    forward free fresh friend front fruit full future garden gate general gift girl give glass global gold good
    green ground group grow guard guest guide hair half hand happy harbor head health heart heavy hello help high
    history hold holiday home hope horse hospital hotel hour house human hundred idea image inside island item
    jacket join journey juice jump kitchen knife label ladder lake land large later laugh lawyer leader learn leave
    left lemon letter level library light limit line lion list little local long lunch machine magic main major
    make market master match meal measure meat media medical meeting member memory menu metal method middle milk
    mind minute mirror model modern money month morning mother motor mountain mouse mouth movie music nation nature
    near never news night north note number ocean office open orange order other outside owner page paint palace
    paper park party pass past path peace pencil people pepper phone photo piano picture piece pizza place plan
    plant plate play please pocket point police pool poster power press price print prize public pull push quiet
    radio rain range reach read ready record river road rock room round route rule safety salad sale salt school
    science screen season seat second secret sell seven shadow share shelf ship shirt shoe shop short show side sign
    silver simple sister size sleep slow small smile snow soft south space speed spice sport spring square stage
    stairs star start station stone stop store storm street strong student study style sugar summer sunny supply
    table taxi teacher team temple tennis theater ticket tiger time today tomato tonight tower town track trade
    train travel tree trip truck under union until upper valley value video village visit voice wait walk wall
    warm watch water welcome west wheel white window winter wood world yellow young
    art bar bed box bus car cat cup day dog egg eye fan fun hat ice key lab law map new oil pen red run sea sky sun
    tax tea top toy van way yes zoo
    apartment breakfast chocolate emergency furniture newspaper pharmacy restaurant shopping university
    """.split()
)

_SPLITS = {"train": 0, "test": 1}


def synthetic_image_names(n: int) -> list[str]:
    """Image stems of a split with n images: ["img_1", ..., "img_<n>"] (also the GT names: gt_img_<k>.txt)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return [f"img_{k}" for k in range(1, n + 1)]


# ---------------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class SyntheticConfig:
    """Validated generator parameters (see generate_synthetic for their meaning)."""

    n_train: int
    n_test: int
    width: int
    height: int
    words_per_image: tuple[int, int]
    train_words_per_image: tuple[int, int]
    cap_heights: tuple[float, ...]
    cap_height_weights: tuple[float, ...]
    dontcare_fraction: float
    dontcare_cap_heights: tuple[float, float]
    min_legible_cap_height: float
    min_legible_contrast: float
    min_contrast: float
    fonts: tuple[str, ...]
    max_angle: float
    perspective: float
    curve_prob: float
    max_curve: float
    sign_prob: float
    clutter: tuple[int, int]
    noise_sigma: float
    font_paths: tuple[Path, ...] = field(default=(), compare=False)


def synthetic_config(**kwargs) -> SyntheticConfig:
    """SYNTHETIC_DEFAULTS updated with kwargs, validated; unknown keys are errors."""
    unknown = sorted(set(kwargs) - set(SYNTHETIC_DEFAULTS))
    if unknown:
        raise TypeError(f"unknown synthetic parameter(s): {unknown}")
    p = {**SYNTHETIC_DEFAULTS, **kwargs}

    def _range(name, cast):
        v = p[name]
        if len(v) != 2 or cast(v[0]) > cast(v[1]) or cast(v[0]) < 0:
            raise ValueError(f"{name} must be [low, high] with 0 <= low <= high, got {v}")
        return cast(v[0]), cast(v[1])

    for name in ("n_train", "n_test"):
        if int(p[name]) != p[name] or p[name] < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {p[name]}")
    for name in ("width", "height"):
        if int(p[name]) != p[name] or p[name] < 64 or p[name] % 4:
            raise ValueError(f"{name} must be an integer >= 64 and a multiple of 4 (modcrop), got {p[name]}")
    heights = tuple(float(h) for h in p["cap_heights"])
    weights = tuple(float(w) for w in p["cap_height_weights"])
    if not heights or len(heights) != len(weights) or min(heights) <= 0 or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("cap_heights and cap_height_weights must be equally long, positive heights, weights >= 0")
    for name in ("dontcare_fraction", "curve_prob", "sign_prob"):
        if not 0.0 <= float(p[name]) <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {p[name]}")
    if not 0 <= float(p["min_contrast"]) <= 127:
        raise ValueError(f"min_contrast must be in [0, 127] grey levels, got {p['min_contrast']}")
    fonts = tuple(str(f) for f in p["fonts"])
    if not fonts:
        raise ValueError("fonts must name at least one TrueType file")
    return SyntheticConfig(
        n_train=int(p["n_train"]),
        n_test=int(p["n_test"]),
        width=int(p["width"]),
        height=int(p["height"]),
        words_per_image=_range("words_per_image", int),
        train_words_per_image=_range("train_words_per_image", int),
        cap_heights=heights,
        cap_height_weights=weights,
        dontcare_fraction=float(p["dontcare_fraction"]),
        dontcare_cap_heights=_range("dontcare_cap_heights", float),
        min_legible_cap_height=float(p["min_legible_cap_height"]),
        min_legible_contrast=float(p["min_legible_contrast"]),
        min_contrast=float(p["min_contrast"]),
        fonts=fonts,
        max_angle=float(p["max_angle"]),
        perspective=float(p["perspective"]),
        curve_prob=float(p["curve_prob"]),
        max_curve=float(p["max_curve"]),
        sign_prob=float(p["sign_prob"]),
        clutter=_range("clutter", int),
        noise_sigma=float(p["noise_sigma"]),
        font_paths=tuple(_font_path(f) for f in fonts),
    )


def _font_path(name: str) -> Path:
    """A font file name in matplotlib's ttf folder, or a path to a TrueType file."""
    path = Path(name)
    if path.is_file():
        return path
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if not path.is_file():
        raise FileNotFoundError(f"font {name!r} is neither a file nor in matplotlib's font folder {path.parent}")
    return path


@functools.lru_cache(maxsize=512)
def _font(path: Path, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size=size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=64)
def _cap_ratio(path: Path) -> float:
    """Cap height / font size of a font, measured on a rendered 'H' at 200 px."""
    font = _font(path, 200.0)
    img = Image.new("L", (400, 400), 0)
    ImageDraw.Draw(img).text((50, 50), "H", font=font, fill=255)
    rows = np.flatnonzero(np.asarray(img).max(axis=1) >= 128)
    return float(rows[-1] - rows[0] + 1) / 200.0


# ------------------------------------------------------------------------------------------------ background


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


# ----------------------------------------------------------------------------------------------------- words


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


def _word_text(rng: np.random.Generator, max_len: int) -> str:
    """A random word of at most max_len (>= 3) letters, lower, Capitalised or UPPER case."""
    pool = _words_up_to(max(3, max_len))
    word = pool[int(rng.integers(len(pool)))]
    style = rng.random()
    if style < 0.2:
        return word.upper()
    if style < 0.55:
        return word.capitalize()
    return word


@functools.lru_cache(maxsize=16)
def _words_up_to(max_len: int) -> tuple[str, ...]:
    return tuple(word for word in WORDS if len(word) <= max_len)


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
        # a word that does not fit gets up to 3 shorter tries, each placed up to 10 times
        placed = None
        max_len = 10
        for _attempt in range(3):
            text = _word_text(rng, max_len)
            size = cap / _cap_ratio(config.font_paths[font_i])
            alpha, direction = _render_word(text, config.font_paths[font_i], size, cap, angle, jitter, curve)
            if not np.any(alpha >= INK_ALPHA):
                break
            quad = _ink_quad(alpha, direction)
            margin = max(2.0, 0.3 * cap)
            outer = _grow_quad(quad, margin + (0.35 * cap + 1.0 if sign else 0.0))
            placed = _place(rng, occupied, alpha, outer)
            if placed is not None:
                break
            max_len = max(3, len(text) - 2)
        if placed is None:
            continue
        y0, x0 = placed
        quad_img = quad + (x0, y0)
        outer_img = outer + (x0, y0)
        _fill_quad(occupied, outer_img)
        ah, aw = alpha.shape
        if sign:
            plate = _grow_quad(quad_img, 0.35 * cap + 1.0)
            mask = np.zeros((h, w), np.uint8)
            cv2.fillPoly(mask, [np.round(plate * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
            _blend_mask(img, mask, plate_colour, float(rng.uniform(0.85, 1.0)))
        region = img[y0 : y0 + ah, x0 : x0 + aw]
        ink_w = alpha / max(float(alpha.sum()), 1e-6)
        bg_luma = float((_luma(region) * ink_w).sum())
        colour = _text_colour(rng, bg_luma, contrast)
        contrast = abs(float(_luma(colour)) - bg_luma)
        _blend_mask(region, alpha, colour)
        if cap < config.min_legible_cap_height:
            reason = "small"
        elif contrast < config.min_legible_contrast:
            reason = "low_contrast"
        else:
            reason = None
        words.append(
            SyntheticWord(
                text=text,
                transcription=DONTCARE if reason else text,
                quad=np.rint(quad_img).astype(np.int64),
                font=config.fonts[font_i],
                font_size=size,
                cap_height=cap,
                angle=angle,
                curve=curve,
                perspective=float(np.abs(jitter).max()),
                contrast=contrast,
                sign=sign,
                dontcare_reason=reason,
                alpha=alpha,
                y0=y0,
                x0=x0,
            )
        )
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


# ------------------------------------------------------------------------------------------------------ files


def format_icdar2015(words: list[SyntheticWord]) -> str:
    """ICDAR2015 GT text: one line `x1,y1,x2,y2,x3,y3,x4,y4,transcription` per word, LF endings."""
    lines = [",".join(str(int(v)) for v in word.quad.reshape(-1)) + "," + word.transcription for word in words]
    return "".join(line + "\n" for line in lines)


def generate_synthetic(
    out_root: str | Path,
    *,
    seed: int = 0,
    n_train: int = 24,
    n_test: int = 12,
    width: int = 320,
    height: int = 240,
    words_per_image: Sequence[int] = (6, 12),
    train_words_per_image: Sequence[int] = (12, 24),
    cap_heights: Sequence[float] = (8, 10, 11, 12, 13, 14, 16, 20, 24, 32),
    cap_height_weights: Sequence[float] = (0.04, 0.14, 0.14, 0.14, 0.14, 0.14, 0.14, 0.05, 0.04, 0.03),
    dontcare_fraction: float = 0.1,
    dontcare_cap_heights: Sequence[float] = (3.0, 5.5),
    min_legible_cap_height: float = 6.0,
    min_legible_contrast: float = 30.0,
    min_contrast: float = 80.0,
    fonts: Sequence[str] = tuple(SYNTHETIC_DEFAULTS["fonts"]),
    max_angle: float = 12.0,
    perspective: float = 0.15,
    curve_prob: float = 0.15,
    max_curve: float = 0.4,
    sign_prob: float = 0.35,
    clutter: Sequence[int] = (8, 20),
    noise_sigma: float = 2.0,
) -> dict:
    """Write the synthetic dataset under out_root; deterministic in (seed, params).

    Files: out_root/train/images/img_<k>.png, out_root/train/gt/gt_img_<k>.txt (denser text, for SR training),
    out_root/test/images/img_<k>.png, out_root/test/gt/gt_img_<k>.txt (ICDAR2015), out_root/test/meta.json, and last out_root/manifest.json
    (per word: text, transcription, quad, font, font_size, cap_height, angle, curve, perspective, contrast, sign,
    dontcare_reason). k runs from 1.

    Keyword parameters (the same defaults as SYNTHETIC_DEFAULTS; ranges are inclusive [low, high]; lengths in HR
    pixels; any list may be given as a JSON list):
      seed=0                     base seed; image k of a split uses default_rng([seed, split (0 train, 1 test), k])
      n_train=24, n_test=12      images per split
      width=320, height=240      image size; multiples of 4 (so x2/x4 modcrop is a no-op), >= 64
      words_per_image=[6, 12]    test words per image, inclusive range (fewer when some do not fit)
      train_words_per_image=[12, 24]   the same for training images
      cap_heights=[8, 10, 11, 12, 13, 14, 16, 20, 24, 32]   cap heights to draw from (px) ...
      cap_height_weights=[.04, .14, .14, .14, .14, .14, .14, .05, .04, .03]   ... with these probabilities
      dontcare_fraction=0.1      fraction of words made illegible on purpose: half tiny, half low contrast
      dontcare_cap_heights=[3.0, 5.5]   cap-height range (px, uniform) of the tiny ones
      min_legible_cap_height=6.0 words below this cap height are `###` in the GT
      min_legible_contrast=30.0  words whose luma differs from the mean background under them by less are `###`
      min_contrast=80.0          luma contrast of legible words: uniform in [min_contrast, max(min_contrast, 160)]
      fonts=[DejaVuSans, -Bold, DejaVuSerif, -Bold, DejaVuSansMono, -Bold (.ttf)]  matplotlib font names or paths
      max_angle=12.0             rotation, uniform in [-max_angle, max_angle] degrees
      perspective=0.15           perspective corner jitter, uniform up to this fraction of the text height
      curve_prob=0.15, max_curve=0.4   probability of a bent baseline; its sag up to this fraction of cap height
      sign_prob=0.35             probability of a plain plate (sign) under a word
      clutter=[8, 20]            clutter shapes per background, inclusive range
      noise_sigma=2.0            Gaussian pixel noise, grey levels
    Returns {"train": names, "test": names, "n_test_words", "n_test_dontcare", "n_train_words"}.
    """
    params = {name: value for name, value in locals().items() if name in SYNTHETIC_DEFAULTS}
    params = {k: list(v) if isinstance(v, (tuple, list)) else v for k, v in params.items()}
    config = synthetic_config(**params)
    out_root = Path(out_root)
    summary: dict = {"train": [], "test": [], "n_test_words": 0, "n_test_dontcare": 0, "n_train_words": 0}
    meta: dict = {
        "generator": "textsr.data.synthetic",
        "seed": int(seed),
        "params": params,
        "ink_alpha": INK_ALPHA,
        "images": {},
    }
    for split, n, per_image in (
        ("train", config.n_train, config.train_words_per_image),
        ("test", config.n_test, config.words_per_image),
    ):
        for k, name in enumerate(synthetic_image_names(n), start=1):
            rng = np.random.default_rng([int(seed), _SPLITS[split], k])
            n_words = int(rng.integers(per_image[0], per_image[1] + 1))
            image, words = render_scene(config, rng, n_words)
            write_png(out_root / split / "images" / f"{name}.png", image)
            gt_path = out_root / split / "gt" / f"gt_{name}.txt"
            gt_path.parent.mkdir(parents=True, exist_ok=True)
            gt_path.write_text(format_icdar2015(words), encoding="utf-8", newline="\n")
            summary[split].append(name)
            summary[f"n_{split}_words"] += len(words)
            if split == "test":
                summary["n_test_dontcare"] += sum(word.dontcare for word in words)
                meta["images"][name] = {"width": config.width, "height": config.height,
                                        "words": [word.meta() for word in words]}
    meta_path = out_root / "test" / "meta.json"
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    manifest = {"family": "synthetic", "seed": int(seed), "params": params,
                "splits": {split: {"images": len(summary[split])} for split in ("train", "test")}}
    # written last: the pipeline's marker that the whole set is complete (as for prepared real datasets)
    (out_root / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return summary
