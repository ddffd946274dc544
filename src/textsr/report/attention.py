"""Attention maps: the teacher's F(A) (CRAFT, cached) beside a distilled student's spatial attention, per pair.

Pairs are the trained model's own: the gate at `attention.places[i]` with teacher layer `distill.teacher_layers[i]`
(from the model file's meta, as `textsr.train.MethodSpec.pairs` pairs them). The images are the training set's held-out
validation images (the last `train.n_val` stems, sorted, as `textsr.train.train_sr` holds them out), so the maps
are not those the student was fitted to.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textsr.util.imageio import list_images, read_image
from textsr.report.figures import COLUMN_WIDTH, SMALL_PT, new_figure, paper_style, save_figure

log = logging.getLogger(__name__)

CMAP = "viridis"


def distilled_pairs(meta: dict) -> list[tuple[str, str]]:
    """(student place, teacher layer) pairs of a distilled model's meta, in training order."""
    places = list((meta.get("attention") or {}).get("places") or [])
    distill = meta.get("distill") or {}
    layers = list(distill.get("teacher_layers") or [])
    if not places or not layers:
        raise ValueError("not a distilled model: no attention gates or teacher layers in its meta")
    if len(layers) == 1:
        layers = layers * len(places)
    if len(layers) != len(places):
        raise ValueError(f"meta pairs {len(layers)} teacher layers with {len(places)} attention places")
    return list(zip(places, layers))


def held_out_stems(stems: Sequence[str], n_val: int) -> list[str]:
    """The validation stems `train_sr` holds out: the last n_val of the sorted stems (all stems when n_val <= 0)."""
    stems = sorted(stems)
    return stems[len(stems) - n_val:] if 0 < n_val < len(stems) else stems


def best_window(heat: np.ndarray, side: int) -> tuple[int, int, int, int]:
    """(y0, x0, y1, x1) of the side x side window (clipped to the map) with the largest sum of `heat` (h, w);
    ties go to the top-left-most window."""
    h, w = heat.shape
    wh, ww = min(side, h), min(side, w)
    integral = np.pad(np.cumsum(np.cumsum(heat.astype(np.float64), axis=0), axis=1), ((1, 0), (1, 0)))
    sums = integral[wh:, ww:] - integral[:-wh, ww:] - integral[wh:, :-ww] + integral[:-wh, :-ww]
    y0, x0 = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return int(y0), int(x0), int(y0) + wh, int(x0) + ww


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of the flattened maps: 1 - (what the AD loss penalises) * h * w / 2."""
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    den = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / den) if den > 0 else 0.0


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the flattened maps (0 when one is constant): unlike the cosine of two non-negative
    maps, near 0 for unrelated maps."""
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return cosine(a - a.mean(), b - b.mean())


def display_range(m: np.ndarray) -> tuple[float, float]:
    """1st-99.5th percentile of a map, for a colour scale that raw F(A) tails do not flatten."""
    lo, hi = np.percentile(m, [1.0, 99.5])
    return float(lo), float(hi if hi > lo else lo + 1e-12)


def student_and_teacher_maps(model, meta: dict, lr: np.ndarray, teacher: dict[str, np.ndarray],
                             *, max_lr_side: int = 128) -> tuple[np.ndarray, list[dict]]:
    """Run the student on (a window of) one LR image and line the teacher maps up with its maps.

    lr: (h, w, 3) uint8; teacher: {layer: (h_t, w_t) float32} cached F(A) of the HR image. Each teacher map is
    resized to the LR grid as the AD loss does (`textsr.distill.resize_map`), then the window of at most
    max_lr_side LR pixels with the most teacher mass (first pair) is cut from both. Returns (the LR window, one
    dict per pair: student, teacher, group, layer, cosine, pearson).
    """
    import torch

    from textsr.distill import resize_map

    h, w = lr.shape[:2]
    pairs = distilled_pairs(meta)
    aligned = {}
    for _, layer in pairs:
        if layer not in teacher:
            raise KeyError(f"teacher maps have no layer {layer!r} (have {sorted(teacher)})")
        t = torch.from_numpy(np.asarray(teacher[layer], dtype=np.float32))[None, None]
        aligned[layer] = resize_map(t, (h, w))[0, 0].numpy()
    side = min(max_lr_side, h, w) if model.square_input else max_lr_side  # SRNet runs on squares only
    y0, x0, y1, x1 = best_window(aligned[pairs[0][1]], side)
    window = np.ascontiguousarray(lr[y0:y1, x0:x1])
    x = torch.from_numpy(window).permute(2, 0, 1).unsqueeze(0).float()
    device = next(model.parameters()).device
    with torch.no_grad():
        _, taps = model.forward_taps(model.encode(x.to(device)))
    maps = taps.maps
    if not maps:
        raise TypeError("the model has no attention gates: not a distilled model")
    result = []
    for group, layer in pairs:
        s = maps[group][0, 0].float().cpu().numpy()
        t = aligned[layer][y0:y1, x0:x1]
        if s.shape != t.shape:
            raise ValueError(f"student map {group} {s.shape} and teacher window {t.shape} differ")
        result.append({"group": group, "layer": layer, "student": s, "teacher": t, "cosine": cosine(s, t),
                       "pearson": pearson(s, t)})
    return window, result


def plot_attention(
    model_path: str | os.PathLike,
    teacher_dir: str | os.PathLike,
    lr_dir: str | os.PathLike,
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
    *,
    n_images: int = 2,
    max_lr_side: int = 128,
    device: str = "cpu",
) -> list[dict]:
    """Rows = (held-out image, distilled pair); columns = LR input, teacher F(A) (resized to the LR grid), student
    spatial attention. Each map has its own colour scale (1st-99.5th percentile); the student panel shows the
    cosine similarity of the two maps (what the AD loss pulls towards 1) and their Pearson correlation. Returns
    one dict per row: stem, group, layer, cosine, pearson.
    """
    from textsr.inference.superres import load_sr_model

    model, meta = load_sr_model(model_path, device=device)
    distilled_pairs(meta)  # fails early, naming the problem, for a model without attention maps
    teacher_dir = Path(teacher_dir)
    teacher_stems = {p.name[: -len(".npz")] for p in teacher_dir.glob("*.npz")}
    lr_paths = {p.stem: p for p in list_images(lr_dir)}
    stems = sorted(teacher_stems & set(lr_paths))
    if not stems:
        raise FileNotFoundError(f"no image has both a teacher map in {teacher_dir} and an LR image in {lr_dir}")
    n_val = int((meta.get("train") or {}).get("n_val", 1))
    chosen = held_out_stems(stems, n_val)[:n_images]
    rows = []
    for stem in chosen:
        with np.load(teacher_dir / f"{stem}.npz") as npz:
            teacher = {k: npz[k] for k in npz.files}
        window, maps = student_and_teacher_maps(model, meta, read_image(lr_paths[stem]), teacher,
                                                max_lr_side=max_lr_side)
        rows.extend({"stem": stem, "window": window, **m} for m in maps)
    aspect = max(r["window"].shape[0] / r["window"].shape[1] for r in rows)
    cell_w = (COLUMN_WIDTH - 0.25) / 3
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, len(rows) * (cell_w * aspect + 0.12) + 0.2)
        fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01, wspace=0.02, hspace=0.02)
        axes = fig.subplots(len(rows), 3, squeeze=False)
        for i, r in enumerate(rows):
            lo_t, hi_t = display_range(r["teacher"])
            lo_s, hi_s = display_range(r["student"])
            axes[i][0].imshow(r["window"], interpolation="nearest")
            axes[i][1].imshow(r["teacher"], cmap=CMAP, vmin=lo_t, vmax=hi_t, interpolation="nearest")
            axes[i][2].imshow(r["student"], cmap=CMAP, vmin=lo_s, vmax=hi_s, interpolation="nearest")
            axes[i][0].set_ylabel(f"{r['stem']}\n{r['layer']} \N{RIGHTWARDS ARROW} {r['group']}", fontsize=SMALL_PT,
                                  labelpad=2)
            axes[i][1].set_title(f"teacher F(A), {r['layer']}", fontsize=SMALL_PT, pad=2)
            axes[i][2].set_title(f"student SA, {r['group']}", fontsize=SMALL_PT, pad=2)
            axes[i][2].text(0.03, 0.04, f"cos {r['cosine']:.2f}  r {r['pearson']:.2f}", transform=axes[i][2].transAxes,
                            fontsize=SMALL_PT, color="white", va="bottom", ha="left",
                            bbox={"boxstyle": "square,pad=0.12", "facecolor": "black", "alpha": 0.6,
                                  "linewidth": 0})
            if i == 0:
                axes[i][0].set_title("LR input", fontsize=SMALL_PT, pad=2)
            for ax in axes[i]:
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_visible(True)
                    spine.set_linewidth(0.4)
    save_figure(fig, out_pdf, out_png)
    for r in rows:
        log.info("%s %s -> %s: cosine %.4f, pearson %.4f", r["stem"], r["layer"], r["group"], r["cosine"],
                 r["pearson"])
    return [{k: r[k] for k in ("stem", "group", "layer", "cosine", "pearson")} for r in rows]
