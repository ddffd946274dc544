"""Attention distillation from CRAFT: teacher attention maps (cached per HR image) and the AD / SD losses.

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

from textsr.atomic import atomic_path, write_text_atomic
from textsr.imageio import list_images, read_image

log = logging.getLogger(__name__)

#: Stride (HR pixels per map cell) of each CRAFT feature (methods.md 2.1).
CRAFT_STRIDES = {
    "relu2_2": 2, "relu3_2": 4, "relu4_3": 8, "relu5_3": 16, "fc7": 16,
    "upconv1": 16, "upconv2": 8, "upconv3": 4, "upconv4": 2,
}
#: Default teacher layer per SR scale: the backbone feature whose stride equals the scale (x3: none does; relu2_2
#: is cropped on an even LR grid and resized by 2/3).
DEFAULT_TEACHER_LAYER = {2: "relu2_2", 3: "relu2_2", 4: "relu3_2", 8: "relu4_3"}
#: CRAFT input normalisation: ImageNet mean/std on RGB 0-255 (imgproc.normalizeMeanVariance).
CRAFT_MEAN = (0.485, 0.456, 0.406)
CRAFT_STD = (0.229, 0.224, 0.225)
MANIFEST = "manifest.json"


def default_teacher_layer(scale: int) -> str:
    """The CRAFT layer whose stride equals `scale` (see DEFAULT_TEACHER_LAYER)."""
    try:
        return DEFAULT_TEACHER_LAYER[int(scale)]
    except KeyError:
        raise ValueError(f"no default teacher layer for scale {scale}; name one in the config") from None


def teacher_cache_key(layers: Sequence[str], p: float) -> str:
    """Folder name of a teacher-map cache: the sorted distinct CRAFT layers joined by "+", then "-p<p>" with p
    written exactly (repr of the float), e.g. `relu2_2+relu3_2-p2.0`. Inverse: parse_teacher_cache_key."""
    unknown = [l for l in layers if l not in CRAFT_STRIDES]
    if unknown or not layers:
        raise ValueError(f"unknown or no CRAFT layer(s) {list(layers)}; choose from {sorted(CRAFT_STRIDES)}")
    return "+".join(sorted(set(layers))) + f"-p{float(p)!r}"


def parse_teacher_cache_key(key: str) -> tuple[list[str], float]:
    """`relu3_2-p2.0` -> (["relu3_2"], 2.0); ValueError on anything teacher_cache_key would not write."""
    layers, sep, p = key.rpartition("-p")
    try:
        parsed = (layers.split("+"), float(p))
    except ValueError:
        parsed = None
    if not sep or parsed is None or teacher_cache_key(*parsed) != key:
        raise ValueError(f"not a teacher cache key: {key!r} (expected e.g. 'relu3_2-p2.0')")
    return parsed


def attention_map(feature: Tensor, p: float = 2.0) -> Tensor:
    """(B, C, h, w) feature -> (B, 1, h, w) map sum_c |A_c|^p (AT uses the channel mean; normalisation removes C)."""
    if feature.dim() != 4:
        raise ValueError(f"expected a (B, C, h, w) feature, got shape {tuple(feature.shape)}")
    a = feature.abs()
    if p == 2:
        a = a * a
    elif p != 1:
        a = a.pow(p)
    return a.sum(dim=1, keepdim=True)


def resize_map(m: Tensor, size: tuple[int, int]) -> Tensor:
    """(B, 1, h, w) -> (B, 1, *size): bilinear, align_corners=False, antialiased when shrinking (area-like)."""
    if tuple(m.shape[-2:]) == tuple(size):
        return m
    return F.interpolate(m, size=size, mode="bilinear", align_corners=False, antialias=True)


def _as_list(maps: Tensor | Sequence[Tensor]) -> list[Tensor]:
    return [maps] if isinstance(maps, Tensor) else list(maps)


def ad_loss(student_maps: Tensor | Sequence[Tensor], teacher_maps: Tensor | Sequence[Tensor]) -> Tensor:
    """Attention-distillation loss, summed over pairs (paired by position).

    Each map (B, 1, h, w) is flattened per sample and L2-normalised (F.normalize, eps 1e-12); loss per pair =
    mean over B*h*w of (Q_S - Q_T)^2. When sizes differ the TEACHER map is resized to the student's size
    (`resize_map`), so the student's gradient path is unchanged. Magnitude <= 4/(h*w) per pair.
    """
    s_list, t_list = _as_list(student_maps), _as_list(teacher_maps)
    if len(s_list) != len(t_list) or not s_list:
        raise ValueError(f"need as many teacher maps as student maps (>0), got {len(t_list)} and {len(s_list)}")
    total = s_list[0].new_zeros(())
    for s, t in zip(s_list, t_list):
        t = resize_map(t.to(s.dtype), tuple(s.shape[-2:]))
        qs = F.normalize(s.flatten(1), dim=1)
        qt = F.normalize(t.flatten(1), dim=1)
        total = total + (qs - qt).pow(2).mean()
    return total


def similarity_matrix(x: Tensor) -> Tensor:
    """(B, ...) -> (B, B) Gram matrix of the flattened samples, each row L2-normalised (SP, Tung & Mori 2019)."""
    q = x.flatten(1)
    return F.normalize(q @ q.t(), dim=1)


def sd_loss(student: Tensor | Sequence[Tensor], teacher: Tensor | Sequence[Tensor]) -> Tensor:
    """Similarity-distillation loss summed over pairs: ||G_S - G_T||_F^2 / B^2, G = `similarity_matrix`.

    Inputs are (B, ...) maps or features of any per-sample size (only the B x B matrices are compared).
    """
    s_list, t_list = _as_list(student), _as_list(teacher)
    if len(s_list) != len(t_list) or not s_list:
        raise ValueError(f"need as many teacher tensors as student tensors (>0), got {len(t_list)} and {len(s_list)}")
    total = s_list[0].new_zeros(())
    for s, t in zip(s_list, t_list):
        b = s.shape[0]
        total = total + (similarity_matrix(s) - similarity_matrix(t.to(s.dtype))).pow(2).sum() / (b * b)
    return total


def craft_normalize(images: Tensor) -> Tensor:
    """(B, 3, H, W) RGB 0-255 float -> CRAFT input: (x - 255*mean) / (255*std), ImageNet mean/std."""
    mean = torch.tensor(CRAFT_MEAN, dtype=images.dtype, device=images.device).view(1, 3, 1, 1) * 255.0
    std = torch.tensor(CRAFT_STD, dtype=images.dtype, device=images.device).view(1, 3, 1, 1) * 255.0
    return (images - mean) / std


@torch.no_grad()
def teacher_maps_from_images(craft, images: Tensor, layers: Sequence[str], p: float = 2.0) -> dict[str, Tensor]:
    """CRAFT teacher maps of HR images, no resize/magnification (unlike CRAFT inference).

    images: (B, 3, H, W) RGB 0-255 float. Zero-padded (in 0-255, as CRAFT's canvas) at the bottom/right to a
    multiple of 32, normalised, `craft.features`; each map is cropped back to (ceil(H/s), ceil(W/s)) for its
    stride s. Returns {layer: (B, 1, ceil(H/s), ceil(W/s)) float32}; cell (i, j) covers HR pixels [s*i, s*i+s).
    """
    _, _, h, w = images.shape
    ph, pw = -h % 32, -w % 32
    x = F.pad(images, (0, pw, 0, ph), value=0.0) if (ph or pw) else images
    feats = craft.features(craft_normalize(x))
    out = {}
    for layer in layers:
        if layer not in feats:
            raise KeyError(f"CRAFT has no feature {layer!r}; available: {sorted(feats)}")
        f = feats[layer]
        stride = CRAFT_STRIDES.get(layer) or x.shape[-2] // f.shape[-2]
        out[layer] = attention_map(f.float(), p)[..., : math.ceil(h / stride), : math.ceil(w / stride)].contiguous()
    return out


def compute_teacher_maps(
    hr_dir: str | Path,
    out_dir: str | Path,
    *,
    weights: str | Path,
    layers: Sequence[str],
    p: float = 2.0,
    threads: int = 2,
    device: str = "auto",
) -> list[str]:
    """Cache CRAFT teacher maps: `out_dir/<stem>.npz` per HR image, one float32 (h, w) array per layer.

    CRAFT runs once per full HR image (official normalisation, no magnification), so a stride-r map is aligned
    with the x r LR grid. Also writes `out_dir/manifest.json` {layers, p, strides, weights, images: {stem: {hr_size,
    maps: {layer: [h, w]}}}}. Returns the stems, sorted.
    """
    from textsr.device import resolve_device
    from textsr.weights import load_craft

    layers = list(layers)
    unknown = [l for l in layers if l not in CRAFT_STRIDES]
    if unknown:
        raise ValueError(f"unknown CRAFT layer(s) {unknown}; choose from {sorted(CRAFT_STRIDES)}")
    paths = list_images(hr_dir)
    stems = [q.stem for q in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"{hr_dir}: several images share a stem; teacher maps would overwrite each other")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    old_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        dev = resolve_device(device)
        craft = load_craft(weights, device=dev).eval()
        for prm in craft.parameters():
            prm.requires_grad_(False)
        images = {}
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            img = read_image(path)
            x = torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0).float().to(dev)
            maps = teacher_maps_from_images(craft, x, layers, p)
            arrays = {l: m[0, 0].cpu().numpy().astype(np.float32) for l, m in maps.items()}
            with atomic_path(out_dir / f"{path.stem}.npz") as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
            images[path.stem] = {"hr_size": [int(img.shape[0]), int(img.shape[1])],
                                 "maps": {l: list(a.shape) for l, a in arrays.items()}}
            log.info("teacher %d/%d %s %dx%d (%.1f s)", i + 1, len(paths), path.name, img.shape[1], img.shape[0],
                     time.perf_counter() - t0)
    finally:
        torch.set_num_threads(old_threads)
    manifest = {"layers": layers, "p": p, "strides": {l: CRAFT_STRIDES[l] for l in layers},
                "weights": Path(weights).name, "images": images}
    write_text_atomic(out_dir / MANIFEST, json.dumps(manifest, indent=1))
    return stems
