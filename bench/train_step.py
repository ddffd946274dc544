"""Benchmark: RCAN vs RCAN_dat training-step time (cached teacher maps, CRAFT per batch), and the CPU levers
(channels-last memory format, bf16 autocast) on the RCAN step.

    python bench/train_step.py [--steps 20] [--threads 2] [--scale 4] [--batch 8] [--patch 24]
                               [--groups 2 --blocks 4 --feats 32]

One step = sample a batch of aligned crops (PatchSampler) + forward + losses + backward + Adam, exactly as
`textsr.train.train_sr` does (`Stepper`). Variants: `rcan` (fp32, NCHW: the reference); `rcan channels-last`;
`rcan bf16` (channels-last + bf16 autocast); `rcan_dat cached` (teacher maps cropped from the cache written by
`compute_teacher_maps`); `rcan_dat per-batch` (CRAFT on every HR batch). Data: 4 seeded random-texture HR images
(256 x 256) in a temporary folder. CRAFT: the real weights when the package is installed, else random weights
(same cost). Variants run round-robin (one step each per round) so that load from other processes hits all alike;
the median step time per variant is reported with its ratio to `rcan` (the speed-up is 1 / ratio).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from textsr.train.patches import PatchSampler
from textsr.degrade import bicubic_downscale
from textsr.distill import compute_teacher_maps, default_teacher_layer
from textsr.util.imageio import write_png
from textsr.train import Stepper, make_model, resolve_method


def _craft_weights(tmp: Path) -> tuple[Path, str]:
    """Path of CRAFT weights to use and a label: the packaged real weights, else a random-init file."""
    try:
        from textsr.data.weights import craft_weights_source

        return craft_weights_source(), "real craft_mlt_25k.pth"
    except (ImportError, FileNotFoundError):
        from textsr.models.craft import CRAFT

        torch.manual_seed(0)
        path = tmp / "craft_random.pth"
        torch.save(CRAFT().state_dict(), path)
        return path, "random-init CRAFT (weights package absent)"


def _dataset(root: Path, scale: int, n: int = 4, size: int = 256) -> None:
    rng = np.random.default_rng(0)
    for i in range(n):
        small = rng.integers(0, 256, (size // 8, size // 8, 3)).astype(np.uint8)
        hr = np.kron(small, np.ones((8, 8, 1), np.uint8))
        hr = np.clip(hr.astype(int) + rng.integers(-20, 21, hr.shape), 0, 255).astype(np.uint8)
        write_png(root / "hr" / f"im{i}.png", hr)
        write_png(root / "lr" / f"im{i}.png", bicubic_downscale(hr, scale))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20, help="timed steps per variant (after 2 warm-up steps)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=24, help="LR patch side")
    ap.add_argument("--groups", type=int, default=2)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--feats", type=int, default=32)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda: then bf16 and fp16 autocast variants too")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    model_cfg = {"n_resgroups": args.groups, "n_resblocks": args.blocks, "n_feats": args.feats}
    layer = default_teacher_layer(args.scale)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        _dataset(tmp, args.scale)
        weights, craft_label = _craft_weights(tmp)
        t0 = time.perf_counter()
        compute_teacher_maps(tmp / "hr", tmp / "teacher", weights=weights, layers=[layer], threads=args.threads)
        cache_s = time.perf_counter() - t0
        from textsr.data.weights import load_craft

        craft = load_craft(weights)
        for p in craft.parameters():
            p.requires_grad_(False)

        variants = {}
        gates = {"places": [f"group{args.groups - 1}"]}
        cuda = args.device.startswith("cuda")
        craft = craft.to(args.device)
        for name, distilled, cached, use_craft, train in (
                ("rcan", False, False, False, {}),
                ("rcan channels-last", False, False, False, {"channels_last": True}),
                ("rcan bf16", False, False, False, {"channels_last": True, "amp": "bf16"}),
                *((("rcan fp16", False, False, False, {"channels_last": True, "amp": "fp16"}),) if cuda else ()),
                ("rcan_dat cached", True, True, False, {}),
                ("rcan_dat per-batch", True, False, True, {})):
            spec = resolve_method("rcan", args.scale, model_cfg, gates if distilled else None,
                                  {"pixel_loss": "l1", "device": args.device, **train}, {} if distilled else None)
            torch.manual_seed(0)
            net = make_model(spec).to(args.device)
            if spec.train["channels_last"]:
                net = net.to(memory_format=torch.channels_last)
            opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-4, betas=(0.9, 0.999),
                                   eps=1e-8)
            sampler = PatchSampler(tmp / "hr", tmp / "lr", scale=args.scale, patch_size=args.patch, seed=0,
                                   teacher_dir=tmp / "teacher" if cached else None,
                                   teacher_layers=[layer] if cached else ())
            scaler = torch.amp.GradScaler("cuda") if spec.train["amp"] == "fp16" else None
            step = Stepper(net, opt, spec, craft=craft if use_craft else None, scaler=scaler)
            variants[name] = (sampler, step, [])

        for r in range(args.steps + 2):
            for name, (sampler, step, times) in variants.items():
                t0 = time.perf_counter()
                step(sampler.sample(args.batch))
                if cuda:
                    torch.cuda.synchronize()
                if r >= 2:
                    times.append(time.perf_counter() - t0)

    med = {name: statistics.median(v[2]) for name, v in variants.items()}
    print(f"train step, x{args.scale}, RCAN {args.groups}x{args.blocks}x{args.feats}, batch {args.batch}, "
          f"LR patch {args.patch}, teacher {layer}, {args.threads} threads, {args.steps} steps, {craft_label}")
    print(f"teacher cache: {cache_s:.2f} s for 4 images of 256x256 (once per training set)")
    for name, t in med.items():
        print(f"{name:20s} {t * 1000:8.1f} ms/step  {1 / t:6.2f} it/s  ratio {t / med['rcan']:.3f}")
    print(f"ratio rcan_dat/rcan cached: {med['rcan_dat cached'] / med['rcan']:.3f}   "
          f"per-batch: {med['rcan_dat per-batch'] / med['rcan']:.3f}")
    print(f"RCAN step speed-up over fp32 NCHW: channels-last {med['rcan'] / med['rcan channels-last']:.2f}x, "
          f"channels-last + bf16 {med['rcan'] / med['rcan bf16']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
