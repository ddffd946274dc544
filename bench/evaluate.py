"""Benchmark: every detection protocol on a generated 500-image set with many boxes per image.

    python bench/evaluate.py [--images 500] [--words 30] [--repeat 1] [--protocols icdar2015,totaltext]

Writes native GT and res_*.txt files under a temporary folder (seeded, deterministic), times
`textsr.evaluation.evaluate` per protocol (reading and parsing included) and prints images/s and the ratio of
each protocol's time to icdar2015's. CPU seconds (process time) are printed too: on a shared machine they are
the steadier number. Per image: `--words` text regions (a tenth don't care), a jittered
detection for ~85 % of them, some split into two, plus false positives.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from textsr.evaluation import PROTOCOLS, evaluate

W, H = 1280, 720


def _layout(rng: np.random.Generator, n: int) -> list[tuple[float, float, float, float, float]]:
    """n boxes (cx, cy, w, h, angle) on a jittered grid so that most do not overlap."""
    cols = max(1, int(math.ceil(math.sqrt(n * W / H))))
    rows = int(math.ceil(n / cols))
    cw, ch = W / cols, H / rows
    out = []
    for k in range(n):
        r, c = divmod(k, cols)
        w = rng.uniform(0.4, 0.85) * cw
        h = rng.uniform(0.25, 0.6) * ch
        out.append((c * cw + cw / 2 + rng.uniform(-3, 3), r * ch + ch / 2 + rng.uniform(-3, 3), w, h, rng.uniform(-0.2, 0.2)))
    return out


def _quad(cx, cy, w, h, a) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    pts = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return np.rint([(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]).astype(int)


def _curve(cx, cy, w, h, a, n=7, bend=0.0) -> np.ndarray:
    """Polygon of 2n points: n along a (possibly bent) top edge, n back along the bottom (clockwise)."""
    c, s = math.cos(a), math.sin(a)
    xs = np.linspace(-w / 2, w / 2, n)
    off = bend * h * np.sin(np.linspace(0, math.pi, n))
    top = [(x, -h / 2 - o) for x, o in zip(xs, off)]
    bottom = [(x, h / 2 - o) for x, o in zip(xs[::-1], off[::-1])]
    return np.rint([(cx + x * c - y * s, cy + x * s + y * c) for x, y in top + bottom]).astype(int)


def _detections(rng, boxes):
    """Jittered copies of ~85 % of the boxes, ~5 % split in two halves, ~10 % false positives."""
    dets = []
    for cx, cy, w, h, a in boxes:
        u = rng.random()
        if u < 0.05:
            for side in (-1, 1):
                dets.append((cx + side * w / 4 * math.cos(a), cy + side * w / 4 * math.sin(a), w / 2, h, a))
        elif u < 0.85:
            dets.append((cx + rng.normal(0, 2), cy + rng.normal(0, 2), w * rng.uniform(0.9, 1.1), h * rng.uniform(0.85, 1.15), a + rng.normal(0, 0.02)))
    for _ in range(max(1, len(boxes) // 10)):
        dets.append((rng.uniform(50, W - 50), rng.uniform(30, H - 30), rng.uniform(40, 120), rng.uniform(12, 30), 0.0))
    return dets


def _line(points) -> str:
    return ",".join(str(int(v)) for v in np.asarray(points).ravel())


def generate(root: Path, dataset: str, n_images: int, n_words: int, seed: int = 0) -> tuple[Path, Path]:
    """Write `n_images` images' GT (native format of `dataset`) and detections; returns (gt_dir, det_dir)."""
    rng = np.random.default_rng(seed)
    gt_dir, det_dir = root / dataset / "gt", root / dataset / "det"
    gt_dir.mkdir(parents=True)
    det_dir.mkdir(parents=True)
    for i in range(1, n_images + 1):
        boxes = _layout(rng, n_words)
        care = rng.random(len(boxes)) >= 0.1
        dets = _detections(rng, boxes)
        stem = f"img_{i}" if dataset.startswith("icdar") else (f"{1000 + i}" if dataset == "ctw1500" else f"IMG_{i}" if dataset == "msra_td500" else f"img{i}")
        if dataset in ("icdar2015", "icdar2017"):
            lines = []
            for b, ok in zip(boxes, care):
                script = ",Latin" if dataset == "icdar2017" else ""
                lines.append(_line(_quad(*b)) + script + ("," + "word" if ok else ",###"))
            (gt_dir / f"gt_{stem}.txt").write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
            conf = (lambda: f",{rng.uniform(0.3, 1.0):.3f}") if dataset == "icdar2017" else (lambda: "")
            (det_dir / f"res_{stem}.txt").write_text("".join(_line(_quad(*d)) + conf() + "\n" for d in dets))
        elif dataset == "icdar2013":
            lines = []
            for b, ok in zip(boxes, care):
                q = _quad(*b[:4], 0.0)
                lines.append(f'{q[:, 0].min()}, {q[:, 1].min()}, {q[:, 0].max()}, {q[:, 1].max()}, "{"word" if ok else "###"}"')
            (gt_dir / f"gt_{stem}.txt").write_text("\r\n".join(lines) + "\r\n")
            (det_dir / f"res_{stem}.txt").write_text("".join(_line(_quad(*d[:4], 0.0)) + "\n" for d in dets))
        elif dataset == "msra_td500":
            lines = [f"{k} {0 if ok else 1} {round(cx - w / 2)} {round(cy - h / 2)} {round(w)} {round(h)} {a:.6f}" for k, ((cx, cy, w, h, a), ok) in enumerate(zip(boxes, care))]
            (gt_dir / f"{stem}.gt").write_text("\r\n".join(lines) + "\r\n")
            (det_dir / f"res_{stem}.txt").write_text("".join(_line(_quad(*d)) + "\n" for d in dets))
        elif dataset == "ctw1500":
            lines = []
            for b in boxes:
                p = _curve(*b, bend=0.3)
                lo = p.min(axis=0)
                hi = p.max(axis=0)
                lines.append(_line(np.concatenate([lo, hi, (p - lo).ravel()])))
            (gt_dir / f"{stem}.txt").write_text("\n".join(lines) + "\n")
            (det_dir / f"res_{stem}.txt").write_text("".join(_line(_curve(*d, bend=0.3)) + "\n" for d in dets))
        elif dataset == "totaltext":
            from scipy import io

            cell = np.empty((len(boxes), 6), dtype=object)
            for k, (b, ok) in enumerate(zip(boxes, care)):
                p = _curve(*b, n=5, bend=0.3)
                ornt = "c" if ok else "#"
                for j, v in enumerate([np.array(["x:"]), p[None, :, 0].astype(np.int16), np.array(["y:"]), p[None, :, 1].astype(np.int16), np.array(["word" if ok else "#"]), np.array([ornt])]):
                    cell[k, j] = v
            io.savemat(gt_dir / f"poly_gt_{stem}.mat", {"polygt": cell})
            (det_dir / f"res_{stem}.txt").write_text("".join(_line(_curve(*d, n=5, bend=0.3)) + "\n" for d in dets))
    return gt_dir, det_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--words", type=int, default=30, help="GT regions per image")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per protocol (the best is kept)")
    parser.add_argument("--protocols", default=",".join(PROTOCOLS))
    args = parser.parse_args(argv)
    names = [p.strip() for p in args.protocols.split(",") if p.strip()]
    if "icdar2015" not in names:
        names.insert(0, "icdar2015")
    with tempfile.TemporaryDirectory(prefix="textsr-bench-eval-") as tmp:
        root = Path(tmp)
        folders = {}
        t0 = time.perf_counter()
        for name in names:
            dataset = PROTOCOLS[name].dataset
            if dataset not in folders:
                folders[dataset] = generate(root, dataset, args.images, args.words)
        print(f"generated {len(folders)} data sets x {args.images} images x {args.words} words in {time.perf_counter() - t0:.1f} s")
        times = {}
        print(f"{'protocol':18s} {'wall s':>7s} {'cpu s':>6s} {'images/s':>9s} {'x icdar2015':>12s} {'P':>6s} {'R':>6s} {'H':>6s}")
        for name in names:
            gt_dir, det_dir = folders[PROTOCOLS[name].dataset]
            best = cpu = math.inf
            for _ in range(max(1, args.repeat)):
                t, c = time.perf_counter(), time.process_time()
                result = evaluate(name, gt_dir, det_dir)
                best, cpu = min(best, time.perf_counter() - t), min(cpu, time.process_time() - c)
            times[name] = best
            print(
                f"{name:18s} {best:7.2f} {cpu:6.2f} {result['n_images'] / best:9.0f} {best / times['icdar2015']:12.2f} "
                f"{result['precision']:6.3f} {result['recall']:6.3f} {result['hmean']:6.3f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
