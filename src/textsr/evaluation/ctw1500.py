"""SCUT-CTW1500 official evaluation (``tools/ctw1500_evaluation/voc_eval_polygon.py``), geometry with shapely.

* A detection that shapely cannot build (fewer than 3 points) or whose polygon is invalid (self-intersecting)
  is skipped: neither a true nor a false positive.
* Every other detection, in file order (the confidence sort is commented out in the official code), is compared
  with all GTs: IoU = I / (A_gt + A_det - I) (union floored at 1e-5); an invalid GT polygon, or an invalid
  intersection, gives 0. If the arg-max IoU (first GT on ties) is > 0.5 and that GT is unmatched the detection
  is a true positive, else a false positive; there is no fall-back to the second-best GT.
* R = TP / #GT, P = TP / (TP + FP) after the last detection; H = 2PR/(P+R).
* Original 32-number GT has no don't-care. For the 2020 format (``####text``), a ``###`` GT is handled by the
  script's own VOC ``difficult`` branch: not counted in #GT, and a detection whose arg-max GT is difficult (IoU
  > 0.5) is ignored.
* The script crashes (KeyError) on a detection in an image without GT: here such detections are false positives.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from textsr.evaluation.common import Sample, dataset_result, candidate_pairs, image_record, ratio, shapes


def match_image(gt_polys: Sequence[np.ndarray], gt_difficult: Sequence[bool], det_polys: Sequence[np.ndarray], *, iou_threshold: float = 0.5):
    """One image. Returns dict(matches [(g, d)], tp, fp, det_ignored (D,) bool, iou (G, D))."""
    import shapely

    n_gt, n_det = len(gt_polys), len(det_polys)
    difficult = np.asarray(gt_difficult, dtype=bool).reshape(-1)
    g, d = shapes(gt_polys), shapes(det_polys)
    det_ok = d.valid  # None (too few points) and self-intersecting polygons are not valid
    iou = np.zeros((n_gt, n_det), dtype=np.float64)
    gi, di = candidate_pairs(g, d, g.valid, d.valid)
    if len(gi):
        sec = shapely.intersection(g.raw[gi], d.raw[di])
        sec_ok = shapely.is_valid(sec)
        inter = np.where(sec_ok, shapely.area(sec), 0.0)
        uni = g.area[gi] + d.area[di] - inter
        uni = np.where(uni <= 0.00001, 0.00001, uni)
        iou[gi, di] = np.where(sec_ok, inter / uni, 0.0)
    used = np.zeros(n_gt, dtype=bool)
    matches, tp, fp = [], 0, 0
    ignored = ~det_ok
    for j in range(n_det):
        if not det_ok[j]:
            continue
        if n_gt == 0:
            fp += 1
            continue
        best = int(np.argmax(iou[:, j]))
        if iou[best, j] > iou_threshold:
            if difficult[best]:
                ignored[j] = True
            elif not used[best]:
                used[best] = True
                matches.append((best, j))
                tp += 1
            else:
                fp += 1
        else:
            fp += 1
    return {"matches": matches, "tp": tp, "fp": fp, "det_ignored": ignored, "iou": iou}


def score(samples: Sequence[Sample], *, iou_threshold: float = 0.5) -> dict:
    """Dataset-level CTW1500 evaluation (TP and FP summed over images)."""
    tp = fp = n_gt = 0
    per_image = {}
    for sample in samples:
        gt_polys = [r.points for r in sample.gt]
        difficult = [r.dontcare for r in sample.gt]
        det_polys = [d.points for d in sample.det]
        m = match_image(gt_polys, difficult, det_polys, iou_threshold=iou_threshold)
        g = int(len(gt_polys) - np.count_nonzero(difficult))
        tp, fp, n_gt = tp + m["tp"], fp + m["fp"], n_gt + g
        per_image[sample.stem] = image_record(
            gt_polys,
            difficult,
            det_polys,
            m["det_ignored"],
            m["matches"],
            ratio(m["tp"], m["tp"] + m["fp"]),
            ratio(m["tp"], g),
            n_gt=g,
            n_det=m["tp"] + m["fp"],
            n_matched=m["tp"],
        )
    return dataset_result(tp, tp, n_gt=n_gt, n_det=tp + fp, n_matched=tp, per_image=per_image, n_false_positive=fp)
