"""english_g2 and PP-OCRv6 small word-crop throughput on CPU, side by side in one run, and whether batching changes text.

    python bench/recognize.py [--threads 1] [--crops 128] [--repeat 2] [--seed 0]

Crops are words rendered with matplotlib's DejaVu fonts (seeded: 3-12 letters, 12-40 px, dark on light or light on
dark), so their widths spread over several padded widths. `WordReader.read` batches only crops of equal padded
width, so batch 64 must read exactly what batch 1 reads; the script checks it. For comparison it also reads the
crops as EasyOCR's GPU batch path does, every crop of a batch of 64 right-padded to the batch's widest crop, and
counts the texts that padding changes. Timings: best of `repeat` calls of `read` (pre-processing, forward,
decoding, the contrast second pass), after one warm-up call, as wall-clock and as process CPU time (the latter
is what to compare on a shared machine: with 1 thread it does not count time spent waiting for a core).
PP-OCRv6 small (`textsr.recognition.ppocr.PPOCRReader`, onnxruntime with `threads` intra-op threads) reads the same
crops at rapidocr's batch of 6 and at batch 1; its batches pad every crop to the batch's widest (rapidocr's rule),
so the script counts the texts batch 6 changes against batch 1.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from pathlib import Path

import matplotlib
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from textsr.recognition.ctc import decode_probabilities
from textsr.recognition.ppocr import REC_BATCH, PPOCRReader, rec_weights_source
from textsr.recognition.preprocess import align, padded_width, resize_to_height
from textsr.recognition.reader import WordReader
from textsr.recognition.weights import recognizer_weights_source

FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf"]


def crops(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """n grey uint8 word crops and their words."""
    rng = random.Random(seed)
    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    out, words = [], []
    for _ in range(n):
        length = rng.randint(3, 12)
        word = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))
        font = ImageFont.truetype(str(font_dir / rng.choice(FONTS)), rng.randint(12, 40))
        left, top, right, bottom = font.getbbox(word)
        dark = rng.random() < 0.5
        im = Image.new("L", (right - left + 6, bottom - top + 6), 30 if dark else 230)
        ImageDraw.Draw(im).text((3 - left, 3 - top), word, font=font, fill=220 if dark else 20)
        out.append(np.asarray(im))
        words.append(word)
    return out, words


def timed(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best process CPU seconds of `repeat` calls, after a warm-up call."""
    fn()
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return wall, cpu


@torch.no_grad()
def first_pass(reader: WordReader, images: list[np.ndarray], pad_to_batch: bool, batch_size: int = 64) -> list[str]:
    """First-pass texts (no contrast retry). pad_to_batch: every crop of a batch of `batch_size` is padded to the
    batch's widest crop (EasyOCR's readtext batch path); else each crop is read alone at its own padded width."""
    if not pad_to_batch:
        batch_size = 1
    texts = []
    for start in range(0, len(images), batch_size):
        prepared = [resize_to_height(c) for c in images[start : start + batch_size]]
        width = max(padded_width(r) for _, r in prepared)
        batch = torch.from_numpy(np.stack([align(img, width) for img, _ in prepared]))
        probs = torch.softmax(reader.model(batch), dim=2).numpy()
        texts += [t for t, _ in decode_probabilities(probs)]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--crops", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    reader = WordReader(recognizer_weights_source(), "cpu")
    images, words = crops(args.crops, args.seed)
    widths = sorted({padded_width(resize_to_height(c)[1]) for c in images})
    print(f"english_g2 WordReader.read, CPU, {args.threads} thread(s), torch {torch.__version__}, {len(images)} crops "
          f"in {len(widths)} padded widths {widths}, best of {args.repeat}")
    results = {}
    for batch in (1, 64):
        wall, cpu = timed(lambda b=batch: reader.read(images, batch_size=b), args.repeat)
        results[batch] = (wall, cpu, reader.read(images, batch_size=batch))
        print(f"batch {batch:>2}: {wall:7.3f} s wall, {len(images) / wall:7.1f} crops/s; "
              f"{cpu:7.3f} s CPU, {len(images) / cpu:7.1f} crops per CPU second")
    (w1, c1, r1), (w64, c64, r64) = results[1], results[64]
    same = sum(a.text == b.text for a, b in zip(r1, r64))
    conf = max(abs(a.confidence - b.confidence) for a, b in zip(r1, r64))
    print(f"batch 64 vs batch 1: {w1 / w64:.2f}x the crops/s (wall), {c1 / c64:.2f}x (CPU time); same text for "
          f"{same}/{len(images)} crops, max |confidence difference| {conf:.1e}")
    correct = sum(a.text == w for a, w in zip(r1, words))
    print(f"read exactly as rendered: {correct}/{len(images)}")
    widest = first_pass(reader, images, pad_to_batch=True)
    alone = first_pass(reader, images, pad_to_batch=False)
    changed = sum(a != b for a, b in zip(alone, widest))
    print(f"EasyOCR-style padding to the widest crop of each batch of 64 changes {changed}/{len(images)} texts "
          f"(first pass, no contrast retry)")
    ppocr(images, words, args.threads, args.repeat, w1)


def ppocr(images: list[np.ndarray], words: list[str], threads: int, repeat: int, g2_wall: float) -> None:
    """PP-OCRv6 small on the same crops, CPU, `threads` onnxruntime threads: batch 6 (rapidocr's) and batch 1."""
    import onnxruntime

    reader = PPOCRReader(rec_weights_source(), threads=threads, device="cpu")
    print(f"\nPP-OCRv6 small PPOCRReader.read, CPU, {threads} onnxruntime thread(s), onnxruntime "
          f"{onnxruntime.__version__}, same {len(images)} crops, best of {repeat}")
    results = {}
    for batch in (1, REC_BATCH):
        wall, cpu = timed(lambda b=batch: reader.read(images, batch_size=b), repeat)
        results[batch] = (wall, reader.read(images, batch_size=batch))
        print(f"batch {batch:>2}: {wall:7.3f} s wall, {len(images) / wall:7.1f} crops/s; "
              f"{cpu:7.3f} s CPU, {len(images) / cpu:7.1f} crops per CPU second")
    (w1, r1), (w6, r6) = results[1], results[REC_BATCH]
    changed = sum(a.text != b.text for a, b in zip(r1, r6))
    correct = sum(a.text == w for a, w in zip(r6, words))
    print(f"batch {REC_BATCH} vs batch 1: {w1 / w6:.2f}x the crops/s; padding to the batch's widest changes "
          f"{changed}/{len(images)} texts; read exactly as rendered (batch {REC_BATCH}): {correct}/{len(images)}")
    print(f"PP-OCRv6 small (batch {REC_BATCH}) vs english_g2 (batch 1): {g2_wall / w6:.2f}x the crops/s (wall)")


if __name__ == "__main__":
    main()
