"""Super-resolve images with an RCAN / RCAN_dat checkpoint whose architecture is read from its keys and shapes.

Accepted files (always `torch.load(weights_only=True)`, loaded strictly):
- a bare state_dict, as the released RCAN_BIX{2,3,4,8}.pt (a uniform `module.` prefix is stripped);
- the project's model file `{"state_dict": ..., "meta": {...}}` written by `textsr.train.train_sr`.
n_resgroups, n_resblocks, n_feats, reduction, kernel size, scale and the spatial-attention layout all come from the
state_dict; "meta" only supplies rgb_range (255 when absent, as for every released RCAN) and is cross-checked.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from textsr.device import resolve_device
from textsr.imageio import list_images, read_image, write_png
from textsr.models.rcan import RCAN
from textsr.models.rcan_dat import RCANDAT

log = logging.getLogger(__name__)


def _count(sd: Mapping[str, Tensor], pattern: str) -> int:
    rx = re.compile(pattern)
    return len({m.group(1) for k in sd if (m := rx.fullmatch(k))})


def infer_architecture(sd: Mapping[str, Tensor]) -> dict:
    """RCAN(-DAT) constructor arguments from state_dict keys and shapes.

    Returns {method, scale, n_resgroups, n_resblocks, n_feats, reduction, kernel_size, sa_groups, sa_kernel}.
    scale = product of the upsampler's PixelShuffle factors, sqrt(out_channels / n_feats) of each `tail.0.{i}` conv.
    """
    try:
        head = sd["head.0.weight"]
        n_feats, n_colors, kernel_size = int(head.shape[0]), int(head.shape[1]), int(head.shape[-1])
        n_resgroups = _count(sd, r"body\.(\d+)\.body\.0\.body\.0\.weight")
        n_resblocks = _count(sd, r"body\.0\.body\.(\d+)\.body\.0\.weight")
        squeeze = int(sd["body.0.body.0.body.3.conv_du.0.weight"].shape[0])
    except KeyError as exc:
        raise KeyError(f"not an RCAN state_dict: missing {exc}") from None
    if n_colors != 3:
        raise ValueError(f"RCAN with {n_colors} input channels is not supported (RGB only)")
    scale = 1
    i = 0
    while f"tail.0.{i}.weight" in sd:
        r2 = int(sd[f"tail.0.{i}.weight"].shape[0]) // n_feats
        r = int(round(r2 ** 0.5))
        if r * r != r2:
            raise ValueError(f"tail.0.{i}.weight: {r2} x n_feats output channels is not a square pixel-shuffle factor")
        scale *= r
        i += 2
    if scale == 1:
        raise KeyError("not an RCAN state_dict: no upsampler convs tail.0.*")
    sa_groups = sorted(int(m.group(1)) for k in sd if (m := re.fullmatch(r"sa\.group(\d+)\.conv\.weight", k)))
    sa_kernel = int(sd[f"sa.group{sa_groups[0]}.conv.weight"].shape[-1]) if sa_groups else 7
    return {
        "method": "rcan_dat" if sa_groups else "rcan",
        "scale": scale,
        "n_resgroups": n_resgroups,
        "n_resblocks": n_resblocks,
        "n_feats": n_feats,
        "reduction": n_feats // squeeze,
        "kernel_size": kernel_size,
        "sa_groups": sa_groups,
        "sa_kernel": sa_kernel,
    }


def build_model(arch: Mapping, *, rgb_range: float = 255.0) -> RCAN:
    """RCAN or RCANDAT (arch["method"]) from an `infer_architecture`-style dict."""
    kwargs = dict(scale=arch["scale"], n_resgroups=arch["n_resgroups"], n_resblocks=arch["n_resblocks"],
                  n_feats=arch["n_feats"], reduction=arch["reduction"], kernel_size=arch.get("kernel_size", 3),
                  rgb_range=rgb_range)
    if arch["method"] == "rcan_dat":
        return RCANDAT(sa_groups=arch["sa_groups"], sa_kernel=arch.get("sa_kernel", 7), **kwargs)
    if arch["method"] != "rcan":
        raise ValueError(f"unknown method {arch['method']!r} (rcan or rcan_dat)")
    return RCAN(**kwargs)


def load_sr_model(weights_path: str | Path, scale: int | None = None, *, device: str = "cpu") -> tuple[RCAN, dict]:
    """Load a checkpoint (see module docstring) into a freshly built model, strictly; eval mode.

    scale: when given, must equal the checkpoint's. Returns (model, meta) with meta = inferred architecture +
    rgb_range + the file's own meta entries.
    """
    obj = torch.load(weights_path, map_location="cpu", weights_only=True)
    file_meta: dict = {}
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        file_meta = dict(obj.get("meta") or {})
        sd = obj["state_dict"]
    elif isinstance(obj, Mapping) and all(isinstance(v, Tensor) for v in obj.values()):
        sd = obj
    else:
        raise ValueError(f"{weights_path}: neither a state_dict nor a {{'state_dict', 'meta'}} model file")
    if sd and all(k.startswith("module.") for k in sd):
        sd = {k[len("module."):]: v for k, v in sd.items()}
    try:
        arch = infer_architecture(sd)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{weights_path}: {exc}") from None
    for key in ("scale", "n_resgroups", "n_resblocks", "n_feats", "method"):
        if key in file_meta and file_meta[key] != arch[key]:
            raise ValueError(f"{weights_path}: meta says {key}={file_meta[key]!r} but the weights say {arch[key]!r}")
    if scale is not None and int(scale) != arch["scale"]:
        raise ValueError(f"{weights_path}: a x{arch['scale']} model, but scale {scale} was asked for")
    rgb_range = float(file_meta.get("rgb_range", 255.0))
    model = build_model(arch, rgb_range=rgb_range)
    model.load_state_dict(sd, strict=True)
    model.eval().to(resolve_device(device))
    meta = {**file_meta, **arch, "rgb_range": rgb_range}
    return model, meta


def _forward(model: RCAN, x: Tensor) -> Tensor:
    out = model(x)
    return out[0] if isinstance(out, tuple) else out


@torch.no_grad()
def superres_tensor(model: RCAN, x: Tensor, *, tile: int = 0, tile_pad: int = 8) -> Tensor:
    """(1, 3, h, w) float in 0..rgb_range -> (1, 3, h*scale, w*scale), unquantised.

    tile > 0: process LR tiles of tile x tile (+ tile_pad context each side, cropped off) to bound memory. RCAN's
    channel attention pools over the whole input, so tiled output differs slightly from a full-image forward.
    """
    s = model.scale
    _, _, h, w = x.shape
    if tile <= 0 or (h <= tile and w <= tile):
        return _forward(model, x)
    out = x.new_zeros((x.shape[0], 3, h * s, w * s))
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(y0 - tile_pad, 0), max(x0 - tile_pad, 0)
            yb, xb = min(y1 + tile_pad, h), min(x1 + tile_pad, w)
            sr = _forward(model, x[:, :, ya:yb, xa:xb])
            out[:, :, y0 * s : y1 * s, x0 * s : x1 * s] = sr[:, :, (y0 - ya) * s : (y1 - ya) * s,
                                                             (x0 - xa) * s : (x1 - xa) * s]
    return out


def superres_image(model: RCAN, lr: np.ndarray, *, tile: int = 0) -> np.ndarray:
    """LR uint8 (h, w, 3) RGB -> SR uint8 (h*scale, w*scale, 3), quantised as RCAN (`utility.quantize`):
    input scaled to 0..rgb_range, output * 255/rgb_range, clamped to 0-255, rounded."""
    if lr.dtype != np.uint8 or lr.ndim != 3 or lr.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 (h, w, 3) image, got {lr.dtype} {lr.shape}")
    device = next(model.parameters()).device
    k = model.rgb_range / 255.0
    x = torch.from_numpy(np.ascontiguousarray(lr)).permute(2, 0, 1).unsqueeze(0).float().to(device) * k
    sr = superres_tensor(model, x, tile=tile)
    sr = (sr / k).clamp(0, 255).round()
    return sr[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()


def superres_folder(
    weights: str | Path,
    input_dir: str | Path,
    output_dir: str | Path,
    *,
    scale: int | None = None,
    threads: int = 2,
    device: str = "auto",
    tile: int = 0,
) -> dict:
    """SR every image of input_dir into `output_dir/<stem>.png`; returns {n_images, scale, seconds, model: meta}."""
    old_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        model, meta = load_sr_model(weights, scale, device=device)
        paths = list_images(input_dir)
        stems = [p.stem for p in paths]
        if len(set(stems)) != len(stems):
            raise ValueError(f"{input_dir}: several images share a stem; outputs would overwrite each other")
        out_dir = Path(output_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            write_png(out_dir / f"{path.stem}.png", superres_image(model, read_image(path), tile=tile))
            log.info("superres %d/%d %s", i + 1, len(paths), path.name)
        seconds = time.perf_counter() - t0
    finally:
        torch.set_num_threads(old_threads)
    arch_keys = ("method", "scale", "n_resgroups", "n_resblocks", "n_feats", "reduction", "sa_groups", "rgb_range")
    return {"n_images": len(paths), "scale": meta["scale"], "seconds": round(seconds, 3),
            "model": {k: meta[k] for k in arch_keys}}
