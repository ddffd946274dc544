"""Qualitative panels: the same crop under every condition, ground truth and detections drawn by outcome.

Outcomes come from the evaluator's per-image records (`textsr.evaluation.evaluate(...)["per_image"]`): a care
ground truth is *matched* when it appears in `matches`, else *missed*; a care detection is *matched* when it
appears in `matches`, else *false*. Don't-care ground truth is drawn dotted; don't-care detections are not drawn.
All coordinates are HR pixels (the evaluator's boxes are in HR coordinates for every condition, `lr` included).

Crop choice: candidate windows are centred on each care ground-truth region; a window's score is the pairwise
disagreement between conditions inside it, sum over condition pairs (a, b) of
    #(care GT matched under exactly one of a, b) + |#false detections under a - #false detections under b|,
counting regions whose bounding-box centre lies in the window. Crops maximise the score over the `rank_by`
conditions (default: the SR conditions, i.e. all but `hr` and `lr`, when there are at least two), ties broken by
the score over all conditions, then by image and region order.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from PIL import Image

from textsr.util.imageio import list_images, read_image
from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, condition_labels, new_figure, paper_style, save_figure, scale_label,
)

log = logging.getLogger(__name__)

MATCHED = "#009E73"  # bluish green
FALSE = "#D55E00"  # vermillion
MISSED = "#CC79A7"  # reddish purple
DONTCARE = "#BBBBBB"
GT_STYLE = {"linestyle": (0, (2.0, 1.2)), "linewidth": 0.9}
DET_STYLE = {"linestyle": "-", "linewidth": 0.9}
#: a dark halo under every outline, so the colours read on any background
HALO = [patheffects.Stroke(linewidth=1.7, foreground=(0.0, 0.0, 0.0, 0.55)), patheffects.Normal()]


@dataclass(frozen=True)
class Crop:
    """A window of one test image in HR pixels, [x0, x1) x [y0, y1), and its disagreement scores."""

    stem: str
    x0: int
    y0: int
    x1: int
    y1: int
    score: float = 0.0
    score_all: float = 0.0

    def overlaps(self, other: Crop) -> bool:
        return (self.stem == other.stem and self.x0 < other.x1 and other.x0 < self.x1
                and self.y0 < other.y1 and other.y0 < self.y1)


@dataclass(frozen=True)
class Outcome:
    """One condition's regions in one image, as numpy arrays (G = ground truths, D = detections)."""

    gt: list[np.ndarray]  # (k, 2) x, y vertices
    gt_care: np.ndarray  # (G,) bool
    gt_matched: np.ndarray  # (G,) bool
    det: list[np.ndarray]
    det_care: np.ndarray  # (D,) bool
    det_matched: np.ndarray  # (D,) bool

    @property
    def gt_centres(self) -> np.ndarray:
        return _centres(self.gt)

    @property
    def det_centres(self) -> np.ndarray:
        return _centres(self.det)


def _centres(polys: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 2) centres of the polygons' bounding boxes."""
    if not polys:
        return np.zeros((0, 2))
    return np.asarray([(p.min(axis=0) + p.max(axis=0)) / 2.0 for p in polys], dtype=np.float64)


def outcome(record: Mapping) -> Outcome:
    """An evaluator per-image record -> Outcome."""
    gt = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in record["gt"]]
    det = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in record["det"]]
    gt_matched = np.zeros(len(gt), dtype=bool)
    det_matched = np.zeros(len(det), dtype=bool)
    for g, d in record.get("matches", []):
        gt_matched[int(g)] = True
        det_matched[int(d)] = True
    gt_dc = np.asarray(record.get("gt_dontcare", [False] * len(gt)), dtype=bool).reshape(-1)
    det_dc = np.asarray(record.get("det_dontcare", [False] * len(det)), dtype=bool).reshape(-1)
    return Outcome(gt, ~gt_dc, gt_matched, det, ~det_dc, det_matched)


def _inside(centres: np.ndarray, crop: Crop) -> np.ndarray:
    if len(centres) == 0:
        return np.zeros(0, dtype=bool)
    x, y = centres[:, 0], centres[:, 1]
    return (x >= crop.x0) & (x < crop.x1) & (y >= crop.y0) & (y < crop.y1)


def disagreement(outcomes: Sequence[Outcome], crop: Crop) -> float:
    """Sum over condition pairs of (care GT matched under exactly one of the two) + |difference of false
    detections|, for regions whose centre is inside `crop` (see the module docstring)."""
    matched, false = [], []
    for o in outcomes:
        g_in = _inside(o.gt_centres, crop) & o.gt_care
        matched.append(o.gt_matched & g_in)
        d_in = _inside(o.det_centres, crop)
        false.append(int(np.sum(d_in & o.det_care & ~o.det_matched)))
    total = 0.0
    for a, b in combinations(range(len(outcomes)), 2):
        if len(matched[a]) != len(matched[b]):
            raise ValueError("conditions disagree on the number of ground-truth regions of one image")
        total += float(np.sum(matched[a] != matched[b])) + abs(false[a] - false[b])
    return total


def candidate_windows(o: Outcome, stem: str, image_size: tuple[int, int], crop_size: tuple[int, int]) -> list[Crop]:
    """Windows centred on each care GT region, at least `crop_size` (w, h) and 1.5x the region's bounding box,
    with the aspect ratio of crop_size, shifted inside the image (w, h) and clipped when larger than it."""
    width, height = image_size
    cw, ch = crop_size
    out = []
    for poly, care in zip(o.gt, o.gt_care):
        if not care:
            continue
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        grow = max(1.0, 1.5 * (hi[0] - lo[0]) / cw, 1.5 * (hi[1] - lo[1]) / ch)
        w, h = min(round(cw * grow), width), min(round(ch * grow), height)
        cx, cy = (lo + hi) / 2.0
        x0 = int(min(max(round(cx - w / 2.0), 0), width - w))
        y0 = int(min(max(round(cy - h / 2.0), 0), height - h))
        out.append(Crop(stem, x0, y0, x0 + w, y0 + h))
    return out


def default_rank_by(conditions: Sequence[str]) -> list[str]:
    """The SR conditions (all but hr and lr) when there are at least two, else all conditions."""
    sr = [c for c in conditions if c not in ("hr", "lr")]
    return sr if len(sr) >= 2 else list(conditions)


def select_crops(
    records: Mapping[str, Mapping[str, Mapping]],
    image_sizes: Mapping[str, tuple[int, int]],
    *,
    crop_size: tuple[int, int] = (128, 96),
    n_crops: int = 3,
    rank_by: Sequence[str] | None = None,
) -> list[Crop]:
    """The `n_crops` windows where the conditions differ most.

    records: {condition: {stem: per-image record}}; only images present under every condition are candidates.
    image_sizes: {stem: (width, height)} of the HR images. Crops come from distinct images while possible and
    never overlap. Returns crops in decreasing score (rank_by conditions), then all-conditions score.
    """
    conditions = list(records)
    rank_by = list(rank_by) if rank_by is not None else default_rank_by(conditions)
    unknown = [c for c in rank_by if c not in records]
    if unknown:
        raise ValueError(f"rank_by condition(s) {unknown} have no records; conditions: {conditions}")
    stems = sorted(set.intersection(*(set(r) for r in records.values())) & set(image_sizes))
    candidates = []
    for stem in stems:
        outs = {c: outcome(records[c][stem]) for c in conditions}
        first = outs[conditions[0]]
        for i, crop in enumerate(candidate_windows(first, stem, image_sizes[stem], crop_size)):
            score = disagreement([outs[c] for c in rank_by], crop)
            score_all = disagreement(list(outs.values()), crop)
            candidates.append(((-score, -score_all, stem, i), Crop(stem, crop.x0, crop.y0, crop.x1, crop.y1,
                                                                   score, score_all)))
    candidates.sort(key=lambda kc: kc[0])
    chosen: list[Crop] = []
    for distinct_images in (True, False):
        for _, crop in candidates:
            if len(chosen) == n_crops:
                break
            if any(crop.overlaps(c) for c in chosen):
                continue
            if distinct_images and any(crop.stem == c.stem for c in chosen):
                continue
            if crop not in chosen:
                chosen.append(crop)
    return chosen


def _image_path(folder: str | os.PathLike, stem: str) -> Path:
    for path in list_images(folder):
        if path.stem == stem:
            return path
    raise FileNotFoundError(f"{folder}: no image named {stem}.*")


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def _draw(ax, o: Outcome) -> None:
    """Ground truth (dashed; dotted: don't care) and care detections (solid) of one condition on `ax`."""
    for poly, care, matched in zip(o.gt, o.gt_care, o.gt_matched):
        if care:
            colour, style = (MATCHED if matched else MISSED), GT_STYLE
        else:
            colour, style = DONTCARE, {"linestyle": ":", "linewidth": 0.8}
        ax.add_patch(Polygon(poly, closed=True, fill=False, edgecolor=colour, path_effects=HALO, **style))
    for poly, care, matched in zip(o.det, o.det_care, o.det_matched):
        if care:
            ax.add_patch(Polygon(poly, closed=True, fill=False, edgecolor=MATCHED if matched else FALSE,
                                 path_effects=HALO, **DET_STYLE))


def _cell(ax, image: np.ndarray, crop: Crop, hr_width: int, o: Outcome) -> None:
    """One panel: `crop` of `image` (H, W, 3) shown at HR size (hr_width: the HR image's width, px; an LR image's
    pixels are blown up nearest neighbour), its outlines, and matched / care GT with centre in the crop."""
    k = hr_width / image.shape[1]  # HR pixels per pixel of this image
    px0, py0 = math.floor(crop.x0 / k), math.floor(crop.y0 / k)
    px1, py1 = math.ceil(crop.x1 / k), math.ceil(crop.y1 / k)
    ax.imshow(image[py0:py1, px0:px1], extent=(px0 * k, px1 * k, py1 * k, py0 * k), interpolation="nearest")
    _draw(ax, _restrict(o, crop))
    counted = _inside(o.gt_centres, crop) & o.gt_care
    got, care = int(np.sum(counted & o.gt_matched)), int(np.sum(counted))
    ax.set_xlim(crop.x0, crop.x1)
    ax.set_ylim(crop.y1, crop.y0)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.4)
    ax.text(0.03, 0.04, f"{got}/{care}", transform=ax.transAxes, fontsize=SMALL_PT, color="white",
            va="bottom", ha="left",
            bbox={"boxstyle": "square,pad=0.12", "facecolor": "black", "alpha": 0.6, "linewidth": 0})


def plot_qualitative(
    conditions: Sequence[str],
    eval_jsons: Sequence[str | os.PathLike],
    image_dirs: Sequence[str | os.PathLike],
    hr_dir: str | os.PathLike,
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
    *,
    scale: int,
    crop_size: Sequence[int] = (128, 96),
    n_crops: int = 3,
    rank_by: Sequence[str] | None = None,
    dataset: str = "",
) -> list[Crop]:
    """Rows = the chosen crops (`select_crops`), columns = `conditions` (same order as eval_jsons, image_dirs).

    Each condition's image is shown at HR size (an LR image's pixels are blown up `HR width / its width` times,
    nearest neighbour); its ground truth (dashed) and detections (solid) are coloured matched / missed / false.
    The count in each cell is matched / care ground truth with centre in the crop. `dataset` names the test set
    in the title. Returns the crops.
    """
    if not len(conditions) == len(eval_jsons) == len(image_dirs):
        raise ValueError(f"{len(conditions)} conditions, {len(eval_jsons)} eval files, {len(image_dirs)} folders")
    records = {}
    for cond, path in zip(conditions, eval_jsons):
        with open(path, encoding="utf-8") as fh:
            records[cond] = json.load(fh)["per_image"]
    hr_paths = {p.stem: p for p in list_images(hr_dir)}
    sizes = {stem: _image_size(p) for stem, p in hr_paths.items()}
    crops = select_crops(records, sizes, crop_size=(int(crop_size[0]), int(crop_size[1])), n_crops=n_crops,
                         rank_by=rank_by)
    if not crops:
        raise ValueError(f"no care ground truth in any image of {hr_dir}: nothing to show")
    labels = condition_labels(conditions)
    n_cols = len(conditions)
    cell_w = (COLUMN_WIDTH - 0.2) / n_cols
    aspect = max((c.y1 - c.y0) / (c.x1 - c.x0) for c in crops)
    height = len(crops) * (cell_w * aspect + 0.05) + 0.5
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, height)
        fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01, wspace=0.01, hspace=0.01)
        axes = fig.subplots(len(crops), n_cols, squeeze=False)
        for i, crop in enumerate(crops):
            for j, (cond, folder) in enumerate(zip(conditions, image_dirs)):
                ax = axes[i][j]
                _cell(ax, read_image(_image_path(folder, crop.stem)), crop, sizes[crop.stem][0],
                      outcome(records[cond][crop.stem]))
                if i == 0:
                    ax.set_title(labels[cond], fontsize=SMALL_PT, pad=2)
                if j == 0:
                    ax.set_ylabel(crop.stem, fontsize=SMALL_PT, labelpad=2)
        handles = [
            Line2D([], [], color=MATCHED, **DET_STYLE, path_effects=HALO, label="matched detection"),
            Line2D([], [], color=FALSE, **DET_STYLE, path_effects=HALO, label="false detection"),
            Line2D([], [], color=MATCHED, **GT_STYLE, path_effects=HALO, label="matched GT"),
            Line2D([], [], color=MISSED, **GT_STYLE, path_effects=HALO, label="missed GT"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=2, handlelength=2.0, columnspacing=1.2)
        title = f"{dataset}, " if dataset else ""
        fig.suptitle(f"{title}{scale_label(scale)}: crops where the conditions differ most", fontsize=SMALL_PT)
    save_figure(fig, out_pdf, out_png)
    for c in crops:
        log.info("crop %s [%d:%d, %d:%d]: disagreement %.0f (ranked conditions), %.0f (all)", c.stem, c.y0, c.y1,
                 c.x0, c.x1, c.score, c.score_all)
    return crops


def _restrict(o: Outcome, crop: Crop) -> Outcome:
    """The regions whose bounding box intersects the crop (others would only be clipped away)."""
    def keep(polys):
        return np.asarray([bool(p[:, 0].max() > crop.x0 and p[:, 0].min() < crop.x1 and p[:, 1].max() > crop.y0
                                and p[:, 1].min() < crop.y1) for p in polys], dtype=bool).reshape(-1)
    g, d = keep(o.gt), keep(o.det)
    return Outcome([p for p, k in zip(o.gt, g) if k], o.gt_care[g], o.gt_matched[g],
                   [p for p, k in zip(o.det, d) if k], o.det_care[d], o.det_matched[d])
