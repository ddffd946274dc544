"""Aligned random training crops: LR patch, HR patch and (optionally) cached teacher-map patch, seeded.

(Training's, not data's: the teacher crops need the distillation's teacher signals, and `textsr.data` never imports
`textsr.distill`.)

LR patch P x P at (y, x) (LR pixels) <-> HR patch [y*s, (y+P)*s) x [x*s, (x+P)*s) with s = scale <-> teacher map
cells [y*s/r, (y+P)*s/r) for a map of stride r (HR pixels per cell). When r == scale the teacher crop is P x P and
taken as is; otherwise positions are drawn on a grid where y*s/r is an integer and the crop is resized to P x P
(`textsr.distill.resize_map`). The same dihedral transform (RCAN: h-flip, v-flip, transpose, each p = 0.5) is
applied to all three.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from textsr.distill.maps import resize_map
from textsr.train.spec import MANIFEST, TEACHER_SIGNALS, feature_key
from textsr.util.imageio import list_images, read_image


def pair_paths(hr_dir: str | Path, lr_dir: str | Path) -> dict[str, tuple[Path, Path]]:
    """{stem: (HR path, LR path)} for HR images with an LR image of the same stem, sorted by stem."""
    hr = {p.stem: p for p in list_images(hr_dir)}
    lr = {p.stem: p for p in list_images(lr_dir)}
    if not hr:
        raise FileNotFoundError(f"{hr_dir}: no HR images")
    missing = sorted(set(hr) - set(lr))
    if missing:
        raise FileNotFoundError(f"{lr_dir}: no LR image for HR image(s) {missing[:5]} (of {len(missing)})")
    return {stem: (hr[stem], lr[stem]) for stem in sorted(hr)}


def load_pair(hr_path: str | Path, lr_path: str | Path, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(HR uint8 (h*scale, w*scale, 3), LR uint8 (h, w, 3)); HR cropped top-left to scale x LR (RCAN's test crop)."""
    hr, lr = read_image(hr_path), read_image(lr_path)
    h, w = lr.shape[:2]
    if hr.shape[0] // scale != h or hr.shape[1] // scale != w:
        raise ValueError(f"{lr_path}: LR size {w}x{h} is not HR size {hr.shape[1]}x{hr.shape[0]} // {scale}")
    return hr[: h * scale, : w * scale], lr


def _dihedral(a: np.ndarray, hflip: bool, vflip: bool, transpose: bool) -> np.ndarray:
    """(H, W[, C]) -> flipped/transposed view (RCAN's `augment`: h-flip, v-flip, then transpose)."""
    if hflip:
        a = a[:, ::-1]
    if vflip:
        a = a[::-1, :]
    if transpose:
        a = a.swapaxes(0, 1)
    return a


class PatchSampler:
    """Random aligned crops from HR/LR pairs held in memory as uint8 (and cached teacher maps), drawn from its own seeded RNG.

    teacher_dir: output of `textsr.distill.compute_teacher_maps` (`<stem>.npz` with one array per layer).
    `sample(B)` -> {"lr": (B, 3, P, P), "hr": (B, 3, P*scale, P*scale)} float32 in 0-255, plus "teacher":
    {layer: (B, 1, P, P) float32} when teacher layers are given, and "teacher_features": {layer: (B, C, P, P)
    float32} with `teacher_features` (a cache written with features). The teacher crops draw no random numbers:
    the same seed gives the same LR/HR patches with and without a teacher. `state_dict()` / `load_state_dict()`
    hold the RNG.
    """

    def __init__(
        self,
        hr_dir: str | Path,
        lr_dir: str | Path,
        *,
        scale: int,
        patch_size: int,
        seed: int,
        stems: Sequence[str] | None = None,
        teacher_dir: str | Path | None = None,
        teacher_layers: Sequence[str] = (),
        teacher_features: bool = False,
        augment: bool = True,
    ):
        self.scale, self.patch_size, self.augment = int(scale), int(patch_size), bool(augment)
        self.teacher_layers = list(teacher_layers) if teacher_dir is not None else []
        self.teacher_features = bool(teacher_features) and bool(self.teacher_layers)
        self.rng = np.random.default_rng(seed)
        paths = pair_paths(hr_dir, lr_dir)
        stems = list(stems) if stems is not None else list(paths)
        strides = self._teacher_strides(teacher_dir)
        # LR crop positions are multiples of `step`, so that y * scale / r is an integer for every teacher stride r
        self.step = 1
        for layer, r in strides.items():
            if (self.patch_size * self.scale) % r:
                raise ValueError(f"teacher layer {layer} (stride {r}): HR patch {self.patch_size * self.scale} px "
                                 f"is not a whole number of map cells; choose patch_size so that it is")
            self.step = math.lcm(self.step, r // math.gcd(r, self.scale))
        self.strides = strides
        self.items: list[dict] = []
        skipped = []
        for stem in stems:
            hr, lr = load_pair(*paths[stem], self.scale)
            if min(lr.shape[:2]) < self.patch_size:
                skipped.append(stem)
                continue
            item = {"stem": stem, "hr": hr, "lr": lr, "teacher": {}, "features": {}}
            if self.teacher_layers:
                path = Path(teacher_dir) / f"{stem}.npz"
                if not path.is_file():
                    raise FileNotFoundError(f"{path}: teacher map missing (rerun the teacher rule)")
                with np.load(path) as npz:
                    for layer in self.teacher_layers:
                        if layer not in npz.files:
                            raise KeyError(f"{path}: no map for layer {layer!r} (has {npz.files})")
                        m = np.asarray(npz[layer], dtype=np.float32)
                        r = strides[layer]
                        need = (math.ceil(hr.shape[0] / r), math.ceil(hr.shape[1] / r))
                        if m.shape[0] < need[0] or m.shape[1] < need[1]:
                            raise ValueError(f"{path}: {layer} map {m.shape} smaller than HR/{r} = {need}")
                        item["teacher"][layer] = m
                        if self.teacher_features:
                            key = feature_key(layer)
                            if key not in npz.files:
                                raise KeyError(f"{path}: no feature {key!r}: the cache was written without "
                                               f"features (teacher cache key ending in -feat)")
                            item["features"][layer] = np.asarray(npz[key])
            self.items.append(item)
        if not self.items:
            raise ValueError(f"no training image has an LR side >= patch_size {self.patch_size} (skipped {skipped})")
        self.skipped = skipped

    def _teacher_strides(self, teacher_dir) -> dict[str, int]:
        if not self.teacher_layers:
            return {}
        manifest = Path(teacher_dir) / MANIFEST
        known = dict(TEACHER_SIGNALS)
        if manifest.is_file():
            known.update({k: int(v) for k, v in json.loads(manifest.read_text()).get("strides", {}).items()})
        unknown = [l for l in self.teacher_layers if l not in known]
        if unknown:
            raise ValueError(f"unknown stride for teacher layer(s) {unknown}")
        return {l: known[l] for l in self.teacher_layers}

    def state_dict(self) -> dict:
        """The sampler's RNG state (plain Python types, loadable with torch.load(weights_only=True))."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]

    def sample(self, batch_size: int) -> dict:
        """A batch of aligned crops (see class docstring). Draws per patch: image, y, x, 3 flips (if augment)."""
        p, s = self.patch_size, self.scale
        lrs, hrs = [], []
        teach: dict[str, list[np.ndarray]] = {l: [] for l in self.teacher_layers}
        feats: dict[str, list[np.ndarray]] = {l: [] for l in self.teacher_layers} if self.teacher_features else {}
        for _ in range(batch_size):
            item = self.items[int(self.rng.integers(len(self.items)))]
            h, w = item["lr"].shape[:2]
            y = self.step * int(self.rng.integers((h - p) // self.step + 1))
            x = self.step * int(self.rng.integers((w - p) // self.step + 1))
            flips = (self.rng.integers(2, size=3) == 1) if self.augment else np.zeros(3, bool)
            lrs.append(_dihedral(item["lr"][y : y + p, x : x + p], *flips))
            hrs.append(_dihedral(item["hr"][y * s : (y + p) * s, x * s : (x + p) * s], *flips))
            for layer, r in self.strides.items():
                y0, x0, n = y * s // r, x * s // r, p * s // r
                teach[layer].append(_dihedral(item["teacher"][layer][y0 : y0 + n, x0 : x0 + n], *flips))
                if layer in feats:  # (C, h, w): flip the spatial axes of a (h, w, C) view
                    window = item["features"][layer][:, y0 : y0 + n, x0 : x0 + n].transpose(1, 2, 0)
                    feats[layer].append(_dihedral(window, *flips).transpose(2, 0, 1))
        batch = {
            "lr": torch.from_numpy(np.stack(lrs).transpose(0, 3, 1, 2).astype(np.float32)),
            "hr": torch.from_numpy(np.stack(hrs).transpose(0, 3, 1, 2).astype(np.float32)),
        }
        if self.teacher_layers:
            batch["teacher"] = {
                l: resize_map(torch.from_numpy(np.stack(m)[:, None].astype(np.float32)), (p, p))
                for l, m in teach.items()
            }
        if feats:
            batch["teacher_features"] = {
                l: resize_map(torch.from_numpy(np.stack(f).astype(np.float32)), (p, p)) for l, f in feats.items()
            }
        return batch
