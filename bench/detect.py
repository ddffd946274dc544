"""CRAFT detection throughput (real weights) for a few image sizes, and the slowdown relative to the smallest.

    python bench/detect.py [--threads 2] [--repeat 3] [--sizes 160x120 320x240 640x480 1280x720]

Each image is a synthetic page of dark words on a light gradient (so post-processing has words to box). One
warm-up call per size, then `repeat` timed calls of `detect_image` (pre-processing + forward + boxes). CRAFT
magnifies by 1.5 and caps the long side at 1280, so cost follows the canvas area printed beside each size.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from textsr.detect import detect_image, resize_aspect_ratio
from textsr.weights import craft_weights_source, load_craft


def page(width: int, height: int) -> np.ndarray:
    """RGB uint8 (height, width, 3): a horizontal gradient with rows of words sized to the image."""
    ramp = np.linspace(200, 250, width, dtype=np.float32)
    im = Image.fromarray(np.repeat(np.repeat(ramp[None, :, None], height, 0), 3, 2).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    size = max(8, height // 12)
    font = ImageFont.load_default(size=size)
    words = ["detect", "text", "CRAFT", "bench", "42", "region", "link"]
    y, i = size // 2, 0
    while y + size < height:
        x = size // 2
        while x < width - 3 * size:
            word = words[i % len(words)]
            draw.text((x, y), word, font=font, fill=(20, 20, 40))
            x += int(draw.textlength(word, font=font)) + size
            i += 1
        y += 2 * size
    return np.asarray(im)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", nargs="+", default=["160x120", "320x240", "640x480", "1280x720"])
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    model = load_craft(craft_weights_source())
    print(f"CRAFT detect_image, {args.threads} threads, torch {torch.__version__}, best of {args.repeat} runs")
    header = ("size (WxH)", "canvas", "boxes", "s/img", "img/s", "x slower", "canvas px x")
    print("{:>11} {:>10} {:>5} {:>7} {:>7} {:>8} {:>11}".format(*header))
    base_time = base_px = None
    for spec in args.sizes:
        width, height = (int(v) for v in spec.lower().split("x"))
        image = page(width, height)
        canvas = resize_aspect_ratio(image)[0].shape
        n_boxes = len(detect_image(model, image))  # warm-up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            detect_image(model, image)
            times.append(time.perf_counter() - t0)
        best = min(times)
        px = canvas[0] * canvas[1]
        base_time, base_px = base_time or best, base_px or px
        print(f"{spec:>11} {canvas[1]:>4}x{canvas[0]:<5} {n_boxes:>5} {best:>7.3f} {1 / best:>7.2f} "
              f"{best / base_time:>8.1f} {px / base_px:>11.1f}")


if __name__ == "__main__":
    main()
