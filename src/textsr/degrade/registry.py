"""The degradation axis: names -> functions, per-image seeding, one image and one folder.

Every degradation is `fn(hr_uint8, scale, *, rng, **params) -> lr_uint8` with LR `(H // scale, W // scale[, C])`:
  bi        MATLAB bicubic (`textsr.degrade.bicubic.bicubic_downscale`), the default; deterministic
  bd        RCAN's BD (Gaussian sigma 1.6, replicate, subsample; `textsr.degrade.rcan.bd`); deterministic
  dn        RCAN's DN (bicubic + Gaussian noise sigma 30; `textsr.degrade.rcan.dn`)
  jpeg      bicubic + OpenCV JPEG at `quality` (`textsr.degrade.jpeg.jpeg`); deterministic, quality required
  realworld Real-ESRGAN's second-order pipeline (`textsr.degrade.realworld.realworld`)
The random ones draw from `image_rng(seed, stem)`, so a (seed, image name) pair always gives the same LR bytes,
independent of folder order or of which other images are processed.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

import numpy as np

from textsr.degrade.bicubic import bicubic_downscale, map_folder
from textsr.degrade.jpeg import jpeg
from textsr.degrade.rcan import bd, dn
from textsr.degrade.realworld import REALESRGAN_OPTIONS, realworld
from textsr.util.imageio import read_image

__all__ = ["DEGRADATIONS", "bi", "image_rng", "degrade_image", "degrade_folder"]


def bi(hr: np.ndarray, scale: int, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """MATLAB `imresize(modcrop(hr, scale), 1/scale, 'bicubic')` on uint8 (rng unused): today's LR, unchanged."""
    return bicubic_downscale(hr, scale)


DEGRADATIONS = {"bi": bi, "bd": bd, "dn": dn, "jpeg": jpeg, "realworld": realworld}


def image_rng(seed: int, stem: str) -> np.random.Generator:
    """numpy Generator (PCG64) seeded from sha256(f"{seed}/{stem}"): stable across runs, machines and Python
    versions (unlike `hash()`), different for every image name."""
    digest = hashlib.sha256(f"{int(seed)}/{stem}".encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def _check_params(name: str, params: dict) -> None:
    if name not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {name!r}; known: {sorted(DEGRADATIONS)}")
    if name == "realworld":
        allowed = set(REALESRGAN_OPTIONS)
    else:
        sig = inspect.signature(DEGRADATIONS[name]).parameters
        allowed = {k for k, p in sig.items() if p.kind == p.KEYWORD_ONLY and k != "rng"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"degradation {name!r} takes no parameter(s) {unknown}; it takes {sorted(allowed)}")


def degrade_image(name: str, hr: np.ndarray, scale: int, seed: int, stem: str, **params) -> np.ndarray:
    """HR uint8 `(H, W, 3)` -> LR uint8 by degradation `name`, random draws from `image_rng(seed, stem)`."""
    _check_params(name, params)
    if min(hr.shape[:2]) < int(scale):
        raise ValueError(f"image of {hr.shape[0]} x {hr.shape[1]} px is smaller than the scale {scale}")
    return DEGRADATIONS[name](hr, scale, rng=image_rng(seed, stem), **params)


def degrade_folder(
    hr_dir: str | Path, out_dir: str | Path, scale: int, degradation: str = "bi", *, seed: int = 0, **params
) -> list[str]:
    """Write `out_dir/<stem>.png` = `degrade_image(degradation, HR, scale, seed, stem, **params)` for every image
    of `hr_dir`; returns the stems. With the default "bi" the PNGs are byte-identical to the bicubic-only version.

    Raises ValueError naming the folder for duplicate stems, and naming the file when an image cannot be degraded.
    """
    _check_params(degradation, params)

    def degraded(path: Path) -> np.ndarray:
        try:
            return degrade_image(degradation, read_image(path), scale, seed, path.stem, **params)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: {degradation} degradation failed: {exc}") from exc

    return map_folder(hr_dir, out_dir, degraded)
