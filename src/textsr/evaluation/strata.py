"""Recall by ground-truth text height: where in the size range super-resolution helps.

A GT region's height is the short side of its minimum-area rectangle (`cv2.minAreaRect` of its vertices), in HR
pixels (evaluation JSONs hold GT in HR coordinates). For a curved Total-Text / CTW1500 polygon that rectangle
encloses the whole arc, so the height is larger than the stroke's. For ICDAR2013 the GT of the record is the
scored box (xmin, ymin)-(xmax, ymax): height = min(xmax - xmin, ymax - ymin).

Only care GT count (the protocol's recall denominator). What a GT's "recall" is follows the protocol, so that
the bins add up to its own recall (sum over bins of the numerators / sum of n_gt = the result's recall):

* IoU protocols (icdar2015, icdar2017, icdar2013-iou, msra-td500*, ctw1500, totaltext-iou): a GT is matched
  when its index is in the record's `matches`; numerator = matched GT.
* DetEval (icdar2013, icdar2013-wolf, totaltext): numerator = the GT's recall credit (`gt_recall_credit`:
  1 one-to-one, 0.8 for a GT split into several detections, ...); n_matched counts the GT with credit > 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from textsr.evaluation import get_protocol

#: bin edges in HR pixels; bins are left-closed: [8, 12) is "8-12"
HEIGHT_BINS = (8, 12, 16, 24, 32)


def bin_labels(bins: Sequence[float] = HEIGHT_BINS) -> list[str]:
    """(8, 12, 16, 24, 32) -> ["<8", "8-12", "12-16", "16-24", "24-32", ">=32"]."""
    edges = [f"{b:g}" for b in bins]
    return [f"<{edges[0]}"] + [f"{a}-{b}" for a, b in zip(edges, edges[1:])] + [f">={edges[-1]}"]


def polygon_height(points: Sequence[Sequence[float]]) -> float:
    """Short side (pixels) of the minimum-area rectangle of a polygon's (k, 2) x, y vertices (0 for < 2 points)."""
    import cv2

    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) < 2:
        return 0.0
    (_, _), (w, h), _ = cv2.minAreaRect(pts)
    return float(min(w, h))


def gt_heights(per_image: Mapping[str, dict]) -> dict[str, np.ndarray]:
    """{stem: (G,) float64 height of each GT region in HR pixels}, NaN for don't-care GT; from per_image records."""
    out = {}
    for stem, record in per_image.items():
        dontcare = record["gt_dontcare"]
        out[stem] = np.asarray(
            [np.nan if dc else polygon_height(poly) for poly, dc in zip(record["gt"], dontcare)], dtype=np.float64
        )
    return out


def gt_credit(record: Mapping, protocol: str) -> np.ndarray:
    """(G,) recall numerator of each GT of one per-image record (see the module docstring); 0 for don't care."""
    n = len(record["gt"])
    if get_protocol(protocol).per_image_sums[2] == "recall_credit":
        if "gt_recall_credit" not in record:
            raise KeyError(f"per-image record has no 'gt_recall_credit' (DetEval {protocol}): re-run the evaluation")
        credit = np.asarray(record["gt_recall_credit"], dtype=np.float64).reshape(-1)
        if len(credit) != n:
            raise ValueError(f"gt_recall_credit has {len(credit)} entries for {n} GT")
        return credit
    credit = np.zeros(n, dtype=np.float64)
    for g, _ in record["matches"]:
        credit[int(g)] = 1.0
    return credit


def recall_by_height(
    per_image: Mapping[str, dict], protocol: str, bins: Sequence[float] = HEIGHT_BINS
) -> list[dict]:
    """Recall of care GT per height bin.

    Returns one dict per bin, in order: bin (label, e.g. "8-12"), n_gt (care GT in the bin), n_matched (of those,
    GT matched / with credit > 0), recall (sum of the GT's recall numerators / n_gt; None when n_gt is 0).
    """
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) == 0 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be increasing edges, got {list(bins)}")
    labels = bin_labels(bins)
    n_gt = np.zeros(len(labels), dtype=np.int64)
    n_matched = np.zeros(len(labels), dtype=np.int64)
    credit_sum = np.zeros(len(labels), dtype=np.float64)
    heights = gt_heights(per_image)
    for stem, record in per_image.items():
        h = heights[stem]
        care = ~np.isnan(h)
        credit = gt_credit(record, protocol)
        k = np.searchsorted(edges, h[care], side="right")  # left-closed: h = 8 -> bin 1 ("8-12")
        np.add.at(n_gt, k, 1)
        np.add.at(n_matched, k, (credit[care] > 0).astype(np.int64))
        np.add.at(credit_sum, k, credit[care])
    return [
        {"bin": label, "n_gt": int(g), "n_matched": int(m), "recall": (float(c / g) if g else None)}
        for label, g, m, c in zip(labels, n_gt, n_matched, credit_sum)
    ]
