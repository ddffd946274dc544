"""ICDAR2013 (RRC Challenge 2 Task 1) DetEval and its Wolf & Jolion variant, on axis-aligned boxes.

Rules of RRC ``TL2p_deteval_1_1.py`` (``icdar2013``) and ``TL2p_icdar_1_1.py`` (``icdar2013-wolf``):

* boxes are pixel-inclusive: area = (xmax - xmin + 1)(ymax - ymin + 1), the same for intersections;
  recall_ij = I / A_gt, precision_ij = I / A_det;
* a detection is don't-care when I / A_det > 0.4 against some ``###`` GT;
* one-to-one, GT then detection in file order: exactly one entry of the GT's row and of the detection's column
  (don't-care ones included) meets recall >= 0.8 and precision >= 0.4, and 2 * centre distance /
  (diag_gt + diag_det) < 1; DetEval also needs the single-overlap check (the GT overlaps, recall > 0, only this
  care detection and the detection only this care GT). Credit 1 / 1;
* one-to-many, per unmatched care GT: sum the recall of unmatched care detections whose precision >= 0.4;
  DetEval matches when round(sum, 4) >= 0.8 and the GT overlaps >= 2 care detections, credit recall 0.8 and
  precision 0.8 n (1 / 1 when n = 1); Wolf matches when sum >= 0.8, credit 0.8 / 0.8 n always;
* many-to-one, per unmatched care detection: sum the precision of unmatched care GTs whose recall >= 0.8;
  DetEval matches when round(sum, 4) >= 0.4 and the detection overlaps >= 2 care GTs; Wolf when sum >= 0.4;
  credit recall n and precision 1 (1 / 1 when n = 1);
* R = recall credit / care GT, P = precision credit / care detections.

Per image the record also keeps `gt_recall_credit`, each GT's share of the recall credit (1 one-to-one, 0.8 for
a GT split into several detections, 1 per GT merged into one detection, 0 unmatched or don't care): summed over
a subset of GT it is that subset's recall numerator (recall by text height).

The sums are numpy float64 in the script, so its round() is numpy's (x * 1e4, rint, / 1e4), used here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from textsr.evaluation.common import Sample, dataset_result, image_record, ratio


def _ltrb(points: np.ndarray) -> tuple[int, int, int, int]:
    p = np.asarray(points)
    return int(p[:, 0].min()), int(p[:, 1].min()), int(p[:, 0].max()), int(p[:, 1].max())


def _center(r) -> tuple[float, float]:
    return r[0] + (r[2] - r[0] + 1) / 2.0, r[1] + (r[3] - r[1] + 1) / 2.0


def _diag(r) -> float:
    w, h = r[2] - r[0] + 1, r[3] - r[1] + 1
    return math.sqrt(h * h + w * w)


@dataclass
class _Matching:
    """One image's matching state: the pairwise recall / precision (G, D) float64 and the evaluation's counters.

    ok: (G, D) recall and precision both over their thresholds; row_ok (G,), col_ok (D,): their counts per GT /
    detection; overlaps_of_gt (G,): care detections with recall > 0, overlaps_of_det (D,): care GT with recall > 0.
    Credits are summed in the script's order (one-to-one, one-to-many, many-to-one), so the floats are its.
    """

    gts: list[tuple[int, int, int, int]]
    dets: list[tuple[int, int, int, int]]
    rec: np.ndarray
    prec: np.ndarray
    gt_dc: np.ndarray
    det_dc: np.ndarray
    ok: np.ndarray
    row_ok: np.ndarray
    col_ok: np.ndarray
    overlaps_of_gt: np.ndarray
    overlaps_of_det: np.ndarray
    gt_done: np.ndarray
    det_done: np.ndarray
    gt_credit: np.ndarray
    groups: list[tuple[list[int], list[int], str]] = field(default_factory=list)
    recall_credit: float = 0.0
    precision_credit: float = 0.0


def _overlaps(gts: np.ndarray, dets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise recall I / A_gt and precision I / A_det, (G, D) float64, of pixel-inclusive int64 boxes (the
    script's area(), rG / rD dimensions); 0 where an area is 0."""
    area_g = (gts[:, 2] - gts[:, 0] + 1) * (gts[:, 3] - gts[:, 1] + 1)
    area_d = (dets[:, 2] - dets[:, 0] + 1) * (dets[:, 3] - dets[:, 1] + 1)
    dx = np.minimum(gts[:, None, 2], dets[None, :, 2]) - np.maximum(gts[:, None, 0], dets[None, :, 0]) + 1
    dy = np.minimum(gts[:, None, 3], dets[None, :, 3]) - np.maximum(gts[:, None, 1], dets[None, :, 1]) + 1
    inter = np.where((dx >= 0) & (dy >= 0), dx * dy, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rec = np.where(area_g[:, None] != 0, inter / np.where(area_g != 0, area_g, 1)[:, None], 0.0)
        prec = np.where(area_d[None, :] != 0, inter / np.where(area_d != 0, area_d, 1)[None, :], 0.0)
    return rec, prec


def _one_to_one(m: _Matching, *, wolf: bool, center_diff_threshold: float) -> None:
    """Pass 1: a GT and a detection that are each other's only qualifying entry, centres close enough."""
    for g in range(len(m.gts)):
        if m.gt_dc[g] or m.row_ok[g] != 1:
            continue
        d = int(np.flatnonzero(m.ok[g])[0])
        if m.det_done[d] or m.det_dc[d] or m.col_ok[d] != 1:
            continue
        if not wolf and not (m.overlaps_of_gt[g] == 1 and m.overlaps_of_det[d] == 1):
            continue
        (cgx, cgy), (cdx, cdy) = _center(m.gts[g]), _center(m.dets[d])
        norm_dist = math.sqrt(abs(cgx - cdx) ** 2 + abs(cgy - cdy) ** 2)
        norm_dist /= _diag(m.gts[g]) + _diag(m.dets[d])
        norm_dist *= 2.0
        if norm_dist < center_diff_threshold:
            m.gt_done[g] = m.det_done[d] = True
            m.recall_credit += 1.0
            m.precision_credit += 1.0
            m.gt_credit[g] = 1.0
            m.groups.append(([g], [d], "OO"))


def _one_to_many(m: _Matching, *, wolf: bool, area_recall_threshold: float, area_precision_threshold: float,
                 one_to_many_credit: float) -> None:
    """Pass 2: one GT split into several detections."""
    for g in range(len(m.gts)):
        if m.gt_dc[g] or m.gt_done[g]:
            continue
        members = np.flatnonzero(~m.det_done & ~m.det_dc & (m.prec[g] >= area_precision_threshold)).tolist()
        many_sum = sum(m.rec[g, members].tolist())  # left to right, as the script's loop
        # the script's sum is a numpy float64, so round() is numpy's rounding (x * 1e4, rint, / 1e4)
        hit = (many_sum if wolf else float(np.round(many_sum, 4))) >= area_recall_threshold
        if not hit or (not wolf and m.overlaps_of_gt[g] < 2):
            continue
        m.gt_done[g] = True
        m.det_done[members] = True
        if not wolf and len(members) == 1:
            m.recall_credit += 1.0
            m.precision_credit += 1.0
            m.gt_credit[g] = 1.0
        else:
            m.recall_credit += one_to_many_credit
            m.precision_credit += one_to_many_credit * len(members)
            m.gt_credit[g] = one_to_many_credit
        m.groups.append(([g], members, "OO" if len(members) == 1 and not wolf else "OM"))


def _many_to_one(m: _Matching, *, wolf: bool, area_recall_threshold: float, area_precision_threshold: float,
                 many_to_one_credit: float) -> None:
    """Pass 3: several GTs merged into one detection."""
    for d in range(len(m.dets)):
        if m.det_dc[d] or m.det_done[d]:
            continue
        members = np.flatnonzero(~m.gt_done & ~m.gt_dc & (m.rec[:, d] >= area_recall_threshold)).tolist()
        many_sum = sum(m.prec[members, d].tolist())
        hit = (many_sum if wolf else float(np.round(many_sum, 4))) >= area_precision_threshold
        if not hit or (not wolf and m.overlaps_of_det[d] < 2):
            continue
        m.det_done[d] = True
        m.gt_done[members] = True
        if len(members) == 1:
            m.recall_credit += 1.0
            m.precision_credit += 1.0
            m.gt_credit[members] = 1.0
        else:
            m.recall_credit += many_to_one_credit * len(members)
            m.precision_credit += many_to_one_credit
            m.gt_credit[members] = many_to_one_credit
        m.groups.append((members, [d], "OO" if len(members) == 1 else "MO"))


def match_image(
    gt_boxes: Sequence[tuple[int, int, int, int]],
    gt_dontcare: Sequence[bool],
    det_boxes: Sequence[tuple[int, int, int, int]],
    *,
    wolf: bool = False,
    area_recall_threshold: float = 0.8,
    area_precision_threshold: float = 0.4,
    center_diff_threshold: float = 1.0,
    one_to_many_credit: float = 0.8,
    many_to_one_credit: float = 1.0,
) -> dict:
    """DetEval (or Wolf) on one image's xmin, ymin, xmax, ymax boxes.

    Returns groups [(gt list, det list, 'OO'|'OM'|'MO')], recall_credit, precision_credit, gt_recall_credit
    (G,) (each GT's share of recall_credit), det_dontcare, n_gt_care, n_det_care.
    """
    gts = np.asarray(gt_boxes, dtype=np.int64).reshape(-1, 4)
    dets = np.asarray(det_boxes, dtype=np.int64).reshape(-1, 4)
    n_gt, n_det = len(gts), len(dets)
    gt_dc = np.asarray(gt_dontcare, dtype=bool).reshape(-1)
    rec, prec = _overlaps(gts, dets)
    # don't-care detections: I / A_det > threshold against some ### GT
    det_dc = (prec[gt_dc] > area_precision_threshold).any(axis=0) if gt_dc.any() else np.zeros(n_det, dtype=bool)
    ok = (rec >= area_recall_threshold) & (prec >= area_precision_threshold)
    overlap = rec > 0
    m = _Matching(
        gts=[tuple(int(v) for v in b) for b in gts], dets=[tuple(int(v) for v in b) for b in dets],
        rec=rec, prec=prec, gt_dc=gt_dc, det_dc=det_dc, ok=ok, row_ok=ok.sum(axis=1), col_ok=ok.sum(axis=0),
        overlaps_of_gt=(overlap & ~det_dc[None, :]).sum(axis=1),  # num_overlaps_gt: care detections only
        overlaps_of_det=(overlap & ~gt_dc[:, None]).sum(axis=0),  # num_overlaps_det: care GT only
        gt_done=np.zeros(n_gt, dtype=bool), det_done=np.zeros(n_det, dtype=bool),
        gt_credit=np.zeros(n_gt, dtype=np.float64),
    )
    if n_det > 0 and n_gt > 0:
        _one_to_one(m, wolf=wolf, center_diff_threshold=center_diff_threshold)
        _one_to_many(m, wolf=wolf, area_recall_threshold=area_recall_threshold,
                     area_precision_threshold=area_precision_threshold, one_to_many_credit=one_to_many_credit)
        _many_to_one(m, wolf=wolf, area_recall_threshold=area_recall_threshold,
                     area_precision_threshold=area_precision_threshold, many_to_one_credit=many_to_one_credit)
    return {
        "groups": m.groups,
        "recall_credit": m.recall_credit,
        "precision_credit": m.precision_credit,
        "gt_recall_credit": m.gt_credit,
        "det_dontcare": det_dc,
        "n_gt_care": int((~gt_dc).sum()),
        "n_det_care": int((~det_dc).sum()),
    }


def score(
    samples: Sequence[Sample],
    *,
    wolf: bool = False,
    area_recall_threshold: float = 0.8,
    area_precision_threshold: float = 0.4,
    center_diff_threshold: float = 1.0,
) -> dict:
    """Dataset-level DetEval / Wolf: credits summed over images, then divided by care GT / care detections."""
    rc = pc = 0.0
    n_gt = n_det = n_matched = 0
    per_image = {}
    for sample in samples:
        gt_boxes = [_ltrb(r.points) for r in sample.gt]
        det_boxes = [_ltrb(d.points) for d in sample.det]
        gt_dc = [r.dontcare for r in sample.gt]
        m = match_image(
            gt_boxes,
            gt_dc,
            det_boxes,
            wolf=wolf,
            area_recall_threshold=area_recall_threshold,
            area_precision_threshold=area_precision_threshold,
            center_diff_threshold=center_diff_threshold,
        )
        g, d = m["n_gt_care"], m["n_det_care"]
        rc += m["recall_credit"]
        pc += m["precision_credit"]
        n_gt += g
        n_det += d
        matched_gt = sorted({i for gts, _, _ in m["groups"] for i in gts})
        n_matched += len(matched_gt)
        # the script's per-sample numbers, including its branches for images without GT or without detections
        recall = precision = 0.0
        if len(gt_boxes) == 0:
            recall, precision = 1.0, (0.0 if det_boxes else 1.0)
        if det_boxes:
            if g == 0:
                recall, precision = 1.0, 0.0
            else:
                recall, precision = m["recall_credit"] / g, ratio(m["precision_credit"], d)
        pairs = [(i, j) for gts, dts, _ in m["groups"] for i in gts for j in dts]
        per_image[sample.stem] = image_record(
            [r.points for r in sample.gt],
            gt_dc,
            [d.points for d in sample.det],
            m["det_dontcare"],
            pairs,
            precision,
            recall,
            match_groups=[{"gt": gts, "det": dts, "type": kind} for gts, dts, kind in m["groups"]],
            recall_credit=m["recall_credit"],
            precision_credit=m["precision_credit"],
            gt_recall_credit=m["gt_recall_credit"],
            n_gt=g,
            n_det=d,
            n_matched=len(matched_gt),
        )
    return dataset_result(rc, pc, n_gt=n_gt, n_det=n_det, n_matched=n_matched, per_image=per_image,
                          recall_credit=rc, precision_credit=pc)
