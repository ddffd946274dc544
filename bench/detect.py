"""CRAFT detection speed side by side with an official-style reference loop, on the real samples and synthetic pages;
then PP-OCRv6's DB detector beside CRAFT on the same images, in the same run.

    python bench/detect.py [--threads 2] [--repeat 3] [--samples DIR] [--sizes 320x240 640x480 1280x720]
                           [--batch 4]

Reference: the plain `CRAFT` (NCHW weights, float32), one image at a time, exactly as clovaai/CRAFT-pytorch's
test.py runs it (the permuted HWC canvas as input, `torch.no_grad`, the official post-processing). Against it, the
two paths of `detect_folder`: fp32 (the model folded for inference: BatchNorm folded, ReLU fused, channels-last)
and bf16 (the same folded model in bfloat16). All three run in one process, interleaved image by image and round
by round (the rotation changes each round), so a busy machine slows them alike; each time is the best of `repeat`.
Per image: canvas, GFLOP of one forward pass (`torch.utils.flop_counter.FlopCounterMode`, 2 x MACs), seconds
(pre-processing + forward + boxes), the ratio against the reference, and whether the boxes equal the reference's.
Then totals, the achieved GFLOP/s of the forward passes alone, and a measured matmul rate as the machine's
practical peak. `--batch N`: N same-shape canvases in one forward pass against N single passes.
DB vs CRAFT: `DBDetector.detect` (onnxruntime, `threads` intra-op threads, rapidocr's settings: short side brought
up to 736) against `detect_folder`'s CRAFT fp32 path (canvas 1280, mag 1.5), interleaved, best of `repeat`, per image
seconds and boxes, and images/s over all.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch.utils.flop_counter import FlopCounterMode

from textsr.inference.dbnet import DBDetector, det_weights_source
from textsr.inference.detect import canvas_tensor, detections_from_maps, format_detections
from textsr.util.imageio import read_image
from textsr.models.craft import craft_forward, fold_for_inference
from textsr.data.weights import craft_weights_source, load_craft

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_GLOBS = ("icdar2015/ch4_training_images/*.jpg", "msra_td500/*/*.JPG", "totaltext/Images/Test/*.jpg")


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


def reference(net: torch.nn.Module, image: np.ndarray) -> tuple[list[str], float]:
    """The official test.py loop: NCHW float32 model, permuted HWC canvas, no_grad; (lines, forward seconds)."""
    x, ratio = canvas_tensor(image)
    t = time.perf_counter()
    with torch.no_grad():
        y, _ = net(x)
    region, link = y[0, :, :, 0].cpu().numpy(), y[0, :, :, 1].cpu().numpy()
    t = time.perf_counter() - t
    return format_detections(detections_from_maps(region, link, ratio)), t


def folded(net: torch.nn.Module, image: np.ndarray, precision: str) -> tuple[list[str], float]:
    """detect_folder's path for one image: the folded model via craft_forward; (lines, forward seconds)."""
    x, ratio = canvas_tensor(image)
    t = time.perf_counter()
    y, _ = craft_forward(net, x, precision)
    region, link = np.ascontiguousarray(y[0, :, :, 0].numpy()), np.ascontiguousarray(y[0, :, :, 1].numpy())
    t = time.perf_counter() - t
    return format_detections(detections_from_maps(region, link, ratio)), t


def forward_gflop(net: torch.nn.Module, image: np.ndarray) -> float:
    x, _ = canvas_tensor(image)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(x)
    return counter.get_total_flops() / 1e9


def matmul_gflops(dtype: torch.dtype, n: int = 2048, repeat: int = 3) -> float:
    """Best rate of an n x n x n matmul in `dtype` (2 n^3 FLOP): the practical peak of this machine."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeat))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def side_by_side(inputs: list[tuple[str, np.ndarray]], nets: dict, repeat: int) -> None:
    names = ("ref", "fp32", "bf16")
    runs = {"ref": lambda im: reference(nets["ref"], im), "fp32": lambda im: folded(nets["fp32"], im, "fp32"),
            "bf16": lambda im: folded(nets["bf16"], im, "bf16")}
    for _, image in inputs[:1]:  # warm-up (first-call allocations, oneDNN kernel creation)
        for n in names:
            runs[n](image)
    best = {(i, n): (float("inf"), float("inf")) for i in range(len(inputs)) for n in names}
    lines: dict[tuple[int, str], list[str]] = {}
    for r in range(repeat):
        for i, (_, image) in enumerate(inputs):
            order = names[r % 3:] + names[:r % 3]  # rotate who goes first
            for n in order:
                t = time.perf_counter()
                out, fwd = runs[n](image)
                total = time.perf_counter() - t
                best[i, n] = (min(best[i, n][0], total), min(best[i, n][1], fwd))
                lines[i, n] = out
    print(f"{'image':<26} {'canvas':>9} {'GFLOP':>6} {'ref s':>7} {'fp32 s':>7} {'bf16 s':>7} {'fp32 x':>7} "
          f"{'bf16 x':>7}  {'fp32 boxes':<10}  bf16 boxes")
    tot = {n: [0.0, 0.0] for n in names}
    flops = same32 = 0
    bf_images = bf_boxes = n_boxes = 0
    for i, (label, image) in enumerate(inputs):
        x, _ = canvas_tensor(image)
        gflop = forward_gflop(nets["ref"], image)
        flops += gflop
        for n in names:
            tot[n][0] += best[i, n][0]
            tot[n][1] += best[i, n][1]
        ref = lines[i, "ref"]
        ok32 = lines[i, "fp32"] == ref
        same32 += ok32
        bf16 = lines[i, "bf16"]
        diff16 = sum(line not in bf16 for line in ref)  # reference boxes that bf16 does not reproduce exactly
        bf_images += diff16 > 0 or len(bf16) != len(ref)
        bf_boxes += diff16
        n_boxes += len(ref)
        print(f"{label:<26} {x.shape[3]:>4}x{x.shape[2]:<4} {gflop:>6.0f} {best[i, 'ref'][0]:>7.3f} "
              f"{best[i, 'fp32'][0]:>7.3f} {best[i, 'bf16'][0]:>7.3f} {best[i, 'ref'][0] / best[i, 'fp32'][0]:>7.2f} "
              f"{best[i, 'ref'][0] / best[i, 'bf16'][0]:>7.2f}  {'identical' if ok32 else 'DIFFER':<10}  "
              f"{diff16} of {len(ref)} differ" + (f" ({len(bf16)} boxes)" if len(bf16) != len(ref) else ""))
    print(f"{'total':<26} {'':>9} {flops:>6.0f} {tot['ref'][0]:>7.2f} {tot['fp32'][0]:>7.2f} {tot['bf16'][0]:>7.2f} "
          f"{tot['ref'][0] / tot['fp32'][0]:>7.2f} {tot['bf16'][0] and tot['ref'][0] / tot['bf16'][0]:>7.2f}  "
          f"{same32}/{len(inputs)} same  {bf_images} images, {bf_boxes} of {n_boxes} boxes differ")
    verdict = "identical" if same32 == len(inputs) else "DIFFER"
    print(f"ratio vs official-style reference: fp32 {tot['ref'][0] / tot['fp32'][0]:.2f}x (boxes {verdict}), "
          f"bf16 {tot['ref'][0] / tot['bf16'][0]:.2f}x")
    rate = {n: flops / tot[n][1] for n in names}
    print(f"achieved GFLOP/s (forward passes alone): ref {rate['ref']:.0f}, fp32 {rate['fp32']:.0f}, "
          f"bf16 {rate['bf16']:.0f}")


def craft_vs_db(inputs: list[tuple[str, np.ndarray]], craft: torch.nn.Module, db: DBDetector, repeat: int) -> None:
    """Seconds per image (pre-processing + forward + boxes) of CRAFT fp32 (folded) and of the DB detector."""
    runs = {"craft": lambda im: folded(craft, im, "fp32")[0], "db": lambda im: db.detect(im)[0]}
    for fn in runs.values():  # warm-up
        fn(inputs[0][1])
    best = {(i, n): float("inf") for i in range(len(inputs)) for n in runs}
    boxes: dict[tuple[int, str], int] = {}
    for r in range(repeat):
        for i, (_, image) in enumerate(inputs):
            for n in (("craft", "db") if r % 2 == 0 else ("db", "craft")):
                t = time.perf_counter()
                out = runs[n](image)
                best[i, n] = min(best[i, n], time.perf_counter() - t)
                boxes[i, n] = len(out)
    print(f"{'image':<26} {'size':>9} {'CRAFT s':>8} {'DB s':>7} {'CRAFT boxes':>11} {'DB boxes':>8}")
    for i, (label, image) in enumerate(inputs):
        print(f"{label:<26} {image.shape[1]:>4}x{image.shape[0]:<4} {best[i, 'craft']:>8.3f} {best[i, 'db']:>7.3f} "
              f"{boxes[i, 'craft']:>11} {boxes[i, 'db']:>8}")
    tot = {n: sum(best[i, n] for i in range(len(inputs))) for n in runs}
    print(f"images/s: CRAFT fp32 {len(inputs) / tot['craft']:.2f}, PP-OCRv6 DB {len(inputs) / tot['db']:.2f} "
          f"(DB is {tot['craft'] / tot['db']:.2f}x CRAFT's)")


def batch_vs_single(nets: dict, sizes: list[str], batch: int, repeat: int) -> None:
    print(f"\nbatch of {batch} same-shape canvases in one forward pass vs {batch} single passes (best of {repeat}):")
    for spec in sizes:
        width, height = (int(v) for v in spec.lower().split("x"))
        x = torch.cat([canvas_tensor(page(width, height))[0]] * batch)
        for precision in ("fp32", "bf16"):
            net = nets[precision]
            craft_forward(net, x, precision)
            single = batched = float("inf")
            for _ in range(repeat):
                single = min(single, _timed(lambda n=net, p=precision, b=x: [craft_forward(n, b[k:k + 1], p)
                                                                              for k in range(batch)]))
                batched = min(batched, _timed(lambda n=net, p=precision, b=x: craft_forward(n, b, p)))
            print(f"  {spec:>9} canvas {x.shape[3]}x{x.shape[2]} {precision}: single {single:.3f} s, "
                  f"batched {batched:.3f} s, batched is {single / batched:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples",
                        help="the real samples folder (skipped when absent)")
    parser.add_argument("--sizes", nargs="*", default=["320x240", "640x480", "1280x720"],
                        help="synthetic pages, WxH")
    parser.add_argument("--batch", type=int, default=0, help="also compare batches of N canvases (0: skip)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    plain = load_craft(craft_weights_source())
    nets = {"ref": plain, "fp32": fold_for_inference(plain, "fp32"), "bf16": fold_for_inference(plain, "bf16")}
    print(f"CRAFT detection, {args.threads} threads, torch {torch.__version__}, "
          f"{torch.backends.cpu.get_cpu_capability()}, best of {args.repeat} interleaved runs")
    peak32, peak16 = matmul_gflops(torch.float32), matmul_gflops(torch.bfloat16)
    print(f"machine: matmul 2048^3 fp32 {peak32:.0f} GFLOP/s, bf16 {peak16:.0f} GFLOP/s (practical peak)")
    import onnxruntime

    db = DBDetector(det_weights_source(), threads=args.threads, device="cpu")
    inputs = []
    if args.samples.is_dir():
        inputs += [(p.name, read_image(p)) for g in SAMPLE_GLOBS for p in sorted(args.samples.glob(g))]
        print(f"\n{len(inputs)} real samples from {args.samples}:")
        side_by_side(inputs, nets, args.repeat)
    else:
        print(f"(no real samples at {args.samples})")
    pages = [(f"page {s}", page(*(int(v) for v in s.lower().split("x")))) for s in args.sizes]
    if pages:
        print("\nsynthetic pages:")
        side_by_side(pages, nets, args.repeat)
    if inputs + pages:
        print(f"\nPP-OCRv6 DB (onnxruntime {onnxruntime.__version__}, {args.threads} threads) vs CRAFT fp32, "
              f"best of {args.repeat}:")
        craft_vs_db(inputs + pages, nets["fp32"], db, args.repeat)
    if args.batch > 1:
        batch_vs_single(nets, args.sizes, args.batch, args.repeat)


if __name__ == "__main__":
    main()
