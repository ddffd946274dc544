"""CRAFT boxes on the GPU against the CPU's, on the real samples: how many boxes differ, and by how much.

    python bench/craft_devices.py [--samples ../shared/samples]

For every sample image (the nine of ../shared/samples), detection at the official settings on the CPU (fp32, the
reference: boxes identical to the official code) and on CUDA (fp32, and bf16 autocast). Prints per device the
number of images whose integer boxes are identical, the number of boxes that differ and the largest coordinate
difference. Needs a CUDA device; nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from textsr.inference.detect import detect_image, format_detections
from textsr.util.imageio import list_images, read_image
from textsr.data.weights import craft_weights_source, load_craft


def _boxes(model, image, precision):
    return format_detections(detect_image(model, image, precision=precision))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "samples"))
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to compare")
        return 2
    images = [p for sub in sorted(Path(args.samples).rglob("*")) if sub.is_dir() for p in list_images(sub)
              if "set5" not in str(p)]
    weights = craft_weights_source()
    cpu, gpu = load_craft(weights, device="cpu"), load_craft(weights, device="cuda")
    for precision in ("fp32", "bf16"):
        same = n_diff = 0
        worst = 0
        for path in images:
            image = read_image(path)
            ref, got = _boxes(cpu, image, "fp32"), _boxes(gpu, image, precision)
            same += ref == got
            if ref != got:
                a = [np.array(line.split(","), int) for line in ref]
                b = [np.array(line.split(","), int) for line in got]
                n_diff += abs(len(a) - len(b)) + sum(1 for x, y in zip(a, b) if x.shape != y.shape or (x != y).any())
                worst = max([worst] + [int(np.abs(x - y).max()) for x, y in zip(a, b) if x.shape == y.shape])
        print(f"CUDA {precision} vs CPU fp32: {same}/{len(images)} images with identical boxes, {n_diff} boxes "
              f"differ, largest coordinate difference {worst} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
