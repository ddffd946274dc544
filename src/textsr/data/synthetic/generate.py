"""Writing the synthetic dataset: PNG images, ICDAR2015 ground truth, the test words' metadata, the manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from textsr.data.synthetic.config import (
    INK_ALPHA, SYNTHETIC_DEFAULTS, SyntheticConfig, synthetic_config, synthetic_image_names,
)
from textsr.data.synthetic.scene import render_scene
from textsr.data.synthetic.words import SyntheticWord
from textsr.util.imageio import write_png

_SPLITS = {"train": 0, "test": 1}  # the second seed word of a split's images


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
        _write_split(out_root, split, n, per_image, config, int(seed), summary, meta)
    _write_json(out_root / "test" / "meta.json", meta)
    manifest = {"family": "synthetic", "seed": int(seed), "params": params,
                "splits": {split: {"images": len(summary[split])} for split in ("train", "test")}}
    # written last: the pipeline's marker that the whole set is complete (as for prepared real datasets)
    _write_json(out_root / "manifest.json", manifest)
    return summary


def _write_split(out_root: Path, split: str, n: int, per_image: tuple[int, int], config: SyntheticConfig, seed: int,
                 summary: dict, meta: dict) -> None:
    """The n images of one split and their GT; adds their names and word counts to `summary` and, for the test
    split, their words to `meta["images"]`."""
    for k, name in enumerate(synthetic_image_names(n), start=1):
        rng = np.random.default_rng([seed, _SPLITS[split], k])
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


def _write_json(path: Path, data: dict) -> None:
    """Sorted, indented JSON with a final newline, UTF-8; the folder is made when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
