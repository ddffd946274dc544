"""Super-resolve images with any registered student, from this project's model file or an official checkpoint.

Accepted files (always `torch.load(weights_only=True)`, loaded strictly; a uniform `module.` prefix is stripped):
- the project's model file `{"state_dict": ..., "meta": {"arch", "model", "attention", ...}}` written by
  `textsr.train.train_sr`: the network is rebuilt from meta and the keys must match it exactly;
- an official checkpoint of any registered architecture (a bare state dict as RCAN_BIX*.pt, RFDN_AIM.pth, A2N's
  and PISR's files, or one wrapped as `{"state_dict": ...}`, `{"params": ...}` (BasicSR), `{"model": ...}`): the
  architecture and its sizes are recognised from the keys and shapes (`textsr.models.registry.recognise`), or
  named with `arch=`.
Each network gets its own input range and colour handling (`SRNetwork.encode` / `decode`): RGB 0-255 for RCAN,
RFDN and A2N, the Y channel in [0, 1] for FSRCNN (chroma from the bicubically upscaled LR image).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from textsr.util.checkpoint import load_checkpoint
from textsr.util.device import resolve_device
from textsr.util.imageio import list_readable_images, read_image, write_png
from textsr.models.base import SRNetwork, as_float_tensor
from textsr.models.registry import build_arch, recognise

log = logging.getLogger(__name__)

#: LR pixels above which `superres_folder` tiles by default (RCAN's `--chop` splits above 400 x 400 = 160,000)
AUTO_TILE_PIXELS = 160_000
#: LR tile side and context used when tiling by default (a 4K HR image at x2 then fits a 16 GB GPU with full RCAN)
AUTO_TILE, TILE_PAD = 400, 16
#: wrappers around a state dict in official and framework checkpoints, tried in order
_WRAPPERS = ("state_dict", "params_ema", "params", "model")


def _unwrap(obj, path) -> tuple[dict, dict]:
    """(state dict, meta) of a loaded checkpoint object."""
    meta: dict = {}
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj.get("meta"), Mapping):
        meta = dict(obj["meta"])
    if isinstance(obj, Mapping) and not all(isinstance(v, Tensor) for v in obj.values()):
        for key in _WRAPPERS:
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj or not all(isinstance(v, Tensor) for v in obj.values()):
        raise ValueError(f"{path}: neither a state_dict nor a model file holding one ({', '.join(_WRAPPERS)})")
    sd = dict(obj)
    if all(k.startswith("module.") for k in sd):
        sd = {k[len("module."):]: v for k, v in sd.items()}
    return sd, meta


def load_sr_model(weights_path: str | Path, scale: int | None = None, *, arch: str | None = None,
                  device: str = "cpu") -> tuple[SRNetwork, dict]:
    """Load a checkpoint (see module docstring) into a freshly built network, strictly; eval mode.

    scale: when given, must equal the checkpoint's. arch: a registry name that overrides the recognition from keys.
    Returns (model, meta): meta = the file's own meta (project files) plus arch, model (constructor keywords),
    attention ({places, kernel_size} or None), scale, input_range and colour.
    """
    sd, file_meta = _unwrap(load_checkpoint(weights_path), weights_path)
    try:
        if "arch" in file_meta and "model" in file_meta and arch in (None, file_meta["arch"]):
            name, kwargs, attention = file_meta["arch"], dict(file_meta["model"]), file_meta.get("attention")
        else:
            name, kwargs, attention = recognise(sd, arch)
            if "scale" not in kwargs:  # FSRCNN, A2N x2 / x3: the weights do not fix the scale
                if scale is None:
                    raise ValueError(f"{name} weights do not record their scale: give the scale")
                kwargs["scale"] = int(scale)
        model = build_arch(name, attention=attention, **kwargs)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{weights_path}: {exc}") from None
    if scale is not None and int(scale) != model.scale:
        raise ValueError(f"{weights_path}: a x{model.scale} model, but scale {scale} was asked for")
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{weights_path}: the weights do not fit {name} {kwargs}: {exc}") from None
    model.eval().to(resolve_device(device))
    meta = {**file_meta, "arch": name, "model": kwargs, "attention": attention, "scale": model.scale,
            "input_range": model.input_range, "colour": model.colour}
    return model, meta


def _forward_sr(model: SRNetwork, x: Tensor) -> Tensor:
    """Forward pass on an encoded input, padding (edge pixels repeated, bottom/right) to the network's minimum or
    square input size and cropping the output back."""
    h, w = x.shape[-2:]
    th, tw = max(h, model.min_input), max(w, model.min_input)
    if model.square_input:
        th = tw = max(th, tw)
    if (th, tw) == (h, w):
        return model(x)
    out = model(F.pad(x, (0, tw - w, 0, th - h), mode="replicate"))
    return out[..., : h * model.scale, : w * model.scale]


@torch.no_grad()
def superres_tensor(model: SRNetwork, x: Tensor, *, tile: int = 0, tile_pad: int = TILE_PAD) -> Tensor:
    """(1, C, h, w) encoded input (the network's range and colour) -> (1, C, h*scale, w*scale) output, unquantised.

    tile > 0: process LR tiles of tile x tile (+ tile_pad context each side, cropped off) to bound memory. Networks
    with global pooling (RCAN's channel attention) then differ slightly from a whole-image forward.
    """
    s = model.scale
    _, c, h, w = x.shape
    if tile <= 0 or (h <= tile and w <= tile):
        return _forward_sr(model, x)
    out = x.new_zeros((x.shape[0], c, h * s, w * s))
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(y0 - tile_pad, 0), max(x0 - tile_pad, 0)
            yb, xb = min(y1 + tile_pad, h), min(x1 + tile_pad, w)
            sr = _forward_sr(model, x[:, :, ya:yb, xa:xb])
            out[:, :, y0 * s : y1 * s, x0 * s : x1 * s] = sr[:, :, (y0 - ya) * s : (y1 - ya) * s,
                                                             (x0 - xa) * s : (x1 - xa) * s]
    return out


def auto_tile(lr_shape: tuple[int, ...]) -> int:
    """The default tile side for an LR image of shape (h, w, ...): 0 (whole image) up to AUTO_TILE_PIXELS."""
    return 0 if lr_shape[0] * lr_shape[1] <= AUTO_TILE_PIXELS else AUTO_TILE


#: inference precisions: fp32, or bf16 autocast (CPU with AVX-512 bf16, or CUDA)
PRECISIONS = ("fp32", "bf16")


def superres_image(model: SRNetwork, lr: np.ndarray, *, tile: int | None = 0, precision: str = "fp32",
                   channels_last: bool = False) -> np.ndarray:
    """LR uint8 (h, w, 3) RGB -> SR uint8 (h*scale, w*scale, 3), quantised as RCAN (`utility.quantize`): the
    network's output in 0-255 RGB (`decode`), clamped to 0-255 and rounded. tile None: `auto_tile`.

    precision "bf16" runs the network under bf16 autocast; channels_last feeds it NHWC tensors (the model should be
    converted with `.to(memory_format=torch.channels_last)`). Both are faster on CPU and move the output
    (bench/superres.py: channels-last fp32 changes a handful of pixels by one level, bf16 a quarter of them by up
    to a few levels); the default is the reference arithmetic.
    """
    if lr.dtype != np.uint8 or lr.ndim != 3 or lr.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 (h, w, 3) image, got {lr.dtype} {lr.shape}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    device = next(model.parameters()).device
    rgb = as_float_tensor(np.ascontiguousarray(lr), device)
    x = model.encode(rgb)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        out = superres_tensor(model, x, tile=auto_tile(lr.shape) if tile is None else tile)
    sr = model.decode(out.float(), rgb).clamp(0, 255).round()
    return sr[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()


def superres_folder(
    weights: str | Path,
    input_dir: str | Path,
    output_dir: str | Path,
    *,
    scale: int | None = None,
    arch: str | None = None,
    threads: int = 2,
    device: str = "auto",
    tile: int | None = None,
    precision: str = "fp32",
    channels_last: bool = False,
) -> dict:
    """SR every image of input_dir into `output_dir/<stem>.png`; returns {n_images, scale, seconds, model}.

    Every input image is decoded once before any work (one error names all unreadable files). tile: LR tile side,
    0 = whole images, None = `auto_tile` per image. precision, channels_last: see `superres_image`. The torch
    thread count is restored afterwards.
    """
    old_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        model, meta = load_sr_model(weights, scale, arch=arch, device=device)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        paths = list_readable_images(input_dir)
        stems = [p.stem for p in paths]
        if len(set(stems)) != len(stems):
            raise ValueError(f"{input_dir}: several images share a stem; outputs would overwrite each other")
        out_dir = Path(output_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            sr = superres_image(model, read_image(path), tile=tile, precision=precision, channels_last=channels_last)
            write_png(out_dir / f"{path.stem}.png", sr)
            log.info("superres %d/%d %s", i + 1, len(paths), path.name)
        seconds = time.perf_counter() - t0
    finally:
        torch.set_num_threads(old_threads)
    return {"n_images": len(paths), "scale": meta["scale"], "seconds": round(seconds, 3), "precision": precision,
            "channels_last": channels_last,
            "model": {k: meta[k] for k in ("arch", "model", "attention", "input_range", "colour")}}
