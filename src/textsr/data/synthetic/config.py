"""Parameters of the synthetic generator: their defaults, validation, and the image names of a split."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textsr.data.synthetic.fonts import _font_path

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

