"""Benchmark: the CPU levers (channels-last memory format, bf16 autocast) on SR inference and on CRAFT teacher maps.

    python bench/superres.py [--threads 2] [--repeats 5]

SR: `textsr.inference.superres.superres_image` with RCAN at the default config's size (2 x 4 x 32) on a 80 x 60 LR image
(the default test images at x4) and at the paper's size (10 x 20 x 64) on 96 x 96; teacher maps:
`textsr.distill.teacher_maps_from_images` (CRAFT relu3_2 and relu2_2) on a 320 x 240 HR image. Each variant is
compared with the fp32 NCHW reference run in the same process, interleaved (one call each per round, median of
`repeats`): time ratio (speed-up = 1 / ratio), and how far the result moves (SR: pixels of the uint8 output that
differ, largest difference; maps: largest relative difference).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import torch

from textsr.distill import teacher_maps_from_images
from textsr.models.registry import build_arch
from textsr.inference.superres import superres_image


def _sr_variant(model, channels_last: bool, bf16: bool):
    net = model.to(memory_format=torch.channels_last) if channels_last else model

    def run(lr):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return superres_image(net, lr, tile=0)
    return run


def _maps_variant(craft, channels_last: bool, bf16: bool):
    net = craft.to(memory_format=torch.channels_last) if channels_last else craft

    def run(x):
        x = x.contiguous(memory_format=torch.channels_last) if channels_last else x
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            maps, _ = teacher_maps_from_images(net, x, ["relu3_2", "relu2_2"])
        return maps
    return run


def _time(variants: dict, arg, repeats: int) -> tuple[dict, dict]:
    times = {k: [] for k in variants}
    out = {}
    for r in range(repeats + 1):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            out[name] = fn(arg)
            if r:
                times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    levers = {"fp32 NCHW": (False, False), "fp32 channels-last": (True, False), "bf16 channels-last": (True, True)}
    print(f"{args.threads} threads, median of {args.repeats}")
    for label, sizes, (h, w) in (("RCAN 2x4x32 (default)", (2, 4, 32), (60, 80)),
                                 ("RCAN 10x20x64 (paper)", (10, 20, 64), (96, 96))):
        lr = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        variants = {}
        for name, (cl, bf) in levers.items():
            torch.manual_seed(0)  # the same weights in every variant
            model = build_arch("rcan", scale=4, n_resgroups=sizes[0], n_resblocks=sizes[1], n_feats=sizes[2]).eval()
            variants[name] = _sr_variant(model, cl, bf)
        med, out = _time(variants, lr, args.repeats)
        ref = out["fp32 NCHW"].astype(int)
        for name in variants:
            diff = np.abs(out[name].astype(int) - ref)
            print(f"SR {label} LR {w}x{h}: {name:20s} {med[name] * 1000:8.1f} ms  ratio "
                  f"{med[name] / med['fp32 NCHW']:.3f}  pixels differing {np.count_nonzero(diff)} / {diff.size}, "
                  f"max {diff.max()}")
    try:
        from textsr.data.weights import craft_weights_source, load_craft

        craft_path, note = craft_weights_source(), "real weights"
    except (ImportError, FileNotFoundError):
        craft_path, note = None, "random weights"
    variants = {}
    for name, (cl, bf) in levers.items():
        if craft_path is not None:
            craft = load_craft(craft_path)
        else:
            from textsr.models.craft import CRAFT

            torch.manual_seed(0)
            craft = CRAFT().eval()
        variants[name] = _maps_variant(craft, cl, bf)
    x = torch.from_numpy(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)).permute(2, 0, 1)[None].float()
    med, out = _time(variants, x, args.repeats)
    for name in variants:
        rel = max(float(((out[name][k] - out["fp32 NCHW"][k]).abs().max()
                         / out["fp32 NCHW"][k].abs().max().clamp_min(1e-12))) for k in out[name])
        print(f"teacher maps 320x240 ({note}): {name:20s} {med[name] * 1000:8.1f} ms  ratio "
              f"{med[name] / med['fp32 NCHW']:.3f}  max relative difference {rel:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
