"""CRAFT as the teacher of attention distillation: its feature maps, F(A) per HR image, and their cache.

Teacher map of a feature A (B, C, h, w): F(A) = sum_c |A_c|^p, shape (B, 1, h, w), raw (un-normalised; the losses
normalise per sample, so a crop of a cached map behaves like a map of the crop, up to CRAFT's receptive field).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from textsr.util.atomic import atomic_path, write_text_atomic
from textsr.distill.maps import attention_map
from textsr.util.imageio import list_images, read_image
from textsr.train.spec import (  # noqa: F401 (re-exported: the teacher's names, defined torch-free)
    CRAFT_STRIDES, DEFAULT_TEACHER_LAYER, MANIFEST, SCORE_MAPS, TEACHER_SIGNALS, default_teacher_layer, feature_key,
    parse_teacher_cache_key, teacher_cache_key,
)

log = logging.getLogger(__name__)

#: CRAFT input normalisation: ImageNet mean/std on RGB 0-255 (imgproc.normalizeMeanVariance).
CRAFT_MEAN = (0.485, 0.456, 0.406)
CRAFT_STD = (0.229, 0.224, 0.225)


def craft_normalize(images: Tensor) -> Tensor:
    """(B, 3, H, W) RGB 0-255 float -> CRAFT input: (x - 255*mean) / (255*std), ImageNet mean/std."""
    mean = torch.tensor(CRAFT_MEAN, dtype=images.dtype, device=images.device).view(1, 3, 1, 1) * 255.0
    std = torch.tensor(CRAFT_STD, dtype=images.dtype, device=images.device).view(1, 3, 1, 1) * 255.0
    return (images - mean) / std


def _signal(feats: dict[str, Tensor], layer: str) -> Tensor:
    """(B, C, h, w) teacher signal: a CRAFT feature, or one score map (region / affinity) as (B, 1, h, w)."""
    if layer in SCORE_MAPS:
        return feats["y"][..., SCORE_MAPS[layer]].unsqueeze(1)
    if layer not in feats:
        raise KeyError(f"CRAFT has no feature {layer!r}; available: {sorted(feats)}")
    return feats[layer]


@torch.no_grad()
def teacher_maps_from_images(craft, images: Tensor, layers: Sequence[str], p: float = 2.0, *,
                             features: bool = False) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """CRAFT teacher maps of HR images, no resize/magnification (unlike CRAFT inference).

    images: (B, 3, H, W) RGB 0-255 float. Zero-padded (in 0-255, as CRAFT's canvas) at the bottom/right to a
    multiple of 32, normalised, `craft.features`; each map is cropped back to (ceil(H/s), ceil(W/s)) for its
    stride s. Returns ({layer: (B, 1, ceil(H/s), ceil(W/s)) float32 F(A)}, {layer: (B, C, ...) float32 feature}
    (empty unless `features`)); cell (i, j) covers HR pixels [s*i, s*i+s). Layers: TEACHER_SIGNALS.
    """
    _, _, h, w = images.shape
    ph, pw = -h % 32, -w % 32
    x = F.pad(images, (0, pw, 0, ph), value=0.0) if (ph or pw) else images
    feats = craft.features(craft_normalize(x))
    maps, full = {}, {}
    for layer in layers:
        stride = TEACHER_SIGNALS[layer]
        f = _signal(feats, layer).float()[..., : math.ceil(h / stride), : math.ceil(w / stride)]
        maps[layer] = attention_map(f, p).contiguous()
        if features:
            full[layer] = f.contiguous()
    return maps, full


def compute_teacher_maps(
    hr_dir: str | Path,
    out_dir: str | Path,
    *,
    weights: str | Path,
    layers: Sequence[str],
    p: float = 2.0,
    features: bool = False,
    threads: int = 2,
    device: str = "auto",
    precision: str = "fp32",
    channels_last: bool = False,
) -> list[str]:
    """Cache CRAFT teacher maps: `out_dir/<stem>.npz` per HR image, one float32 (h, w) array per layer, plus the
    layer's full (C, h, w) feature as float16 under `feature_key(layer)` when `features` (for SD on features).

    CRAFT runs once per full HR image (official normalisation, no magnification), so a stride-r map is aligned
    with the x r LR grid. precision "bf16" (autocast) and channels_last are the CPU levers (bench/superres.py:
    3.8x and 1.1x faster; maps move by 5e-3 and 1e-6 relative). Every image is decoded before CRAFT runs (one
    error names all unreadable files). Also
    writes `out_dir/manifest.json` {layers, p, features, strides, weights, images: {stem: {hr_size, maps: {layer:
    [h, w]}}}}. Returns the stems, sorted.
    """
    from textsr.util.device import resolve_device
    from textsr.util.imageio import check_images
    from textsr.data.weights import load_craft

    layers = list(layers)
    unknown = [l for l in layers if l not in TEACHER_SIGNALS]
    if unknown:
        raise ValueError(f"unknown teacher layer(s) {unknown}; choose from {sorted(TEACHER_SIGNALS)}")
    paths = list_images(hr_dir)
    stems = [q.stem for q in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"{hr_dir}: several images share a stem; teacher maps would overwrite each other")
    check_images(paths)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    old_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        dev = resolve_device(device)
        craft = load_craft(weights, device=dev).eval()
        for prm in craft.parameters():
            prm.requires_grad_(False)
        if channels_last:
            craft = craft.to(memory_format=torch.channels_last)
        images = {}
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            img = read_image(path)
            x = torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0).float().to(dev)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
                maps, feats = teacher_maps_from_images(craft, x, layers, p, features=features)
            arrays = {l: m[0, 0].cpu().numpy().astype(np.float32) for l, m in maps.items()}
            arrays.update({feature_key(l): f[0].cpu().numpy().astype(np.float16) for l, f in feats.items()})
            with atomic_path(out_dir / f"{path.stem}.npz") as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
            images[path.stem] = {"hr_size": [int(img.shape[0]), int(img.shape[1])],
                                 "maps": {l: list(arrays[l].shape) for l in maps}}
            log.info("teacher %d/%d %s %dx%d (%.1f s)", i + 1, len(paths), path.name, img.shape[1], img.shape[0],
                     time.perf_counter() - t0)
    finally:
        torch.set_num_threads(old_threads)
    manifest = {"layers": layers, "p": p, "features": bool(features),
                "strides": {l: TEACHER_SIGNALS[l] for l in layers}, "weights": Path(weights).name, "images": images}
    write_text_atomic(out_dir / MANIFEST, json.dumps(manifest, indent=1))
    return stems
