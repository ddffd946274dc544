"""Total-Text official protocols: DetEval (``totaltext``) and Pascal VOC (``totaltext-iou``).

Rules of ``Evaluation_Protocol/Python_scripts/Deteval.py`` / ``Pascal_VOC.py`` with ``polygon_fast.py``
(cs-chan/Total-Text-Dataset), geometry with shapely as there: intersections and unions of ``buffer(0)`` polygons,
areas of the raw polygons.

* Do-not-care: GT whose orientation is ``#``. A detection is removed when I / (A_det + 1) > 0.5 against a ``#``
  GT with more than one point; then all ``#`` GT are dropped. Removed detections do not count.
* DetEval, sigma = round(I / A_gt, 2), tau = round(I / A_det, 2) (numpy rounding), tr = 0.7, tp = 0.6, k = 2:
  - one-to-one, each GT in order: exactly one detection with sigma > tr and exactly one with tau > tp in the
    GT's row, and exactly one GT with sigma > tr (resp. tau > tp) in that detection's column; credit 1 / 1, the
    sigma candidate is marked matched;
  - one-to-many, each unmatched GT with >= k detections of sigma > 0: candidates = unmatched detections with
    tau >= tp; one candidate scores 1 / 1 if tau >= tp and sigma >= tr; otherwise if sum(sigma) >= tr they score
    recall 0.8, precision 0.8 n;
  - many-to-one, each unmatched detection with >= k GT of tau > 0: candidates = unmatched GT with sigma >= tp
    (the script uses tp here); one candidate scores 1 / 1 if tau >= tp and sigma >= tr; otherwise if
    sum(tau) >= tp they score recall 0.8 n, precision 0.8;
  - R = recall credit / GT, P = precision credit / detections;
  - per image, `gt_recall_credit` keeps each GT's share of the recall credit (1 one-to-one, fsc_k for a split
    GT, fsc_k per GT merged into one detection, 0 unmatched or don't care).
* Pascal VOC: IoU = I / (union + 1); each detection in file order takes its arg-max GT (first on ties): a true
  positive when IoU >= 0.5 and that GT is still unmatched, else a false positive. P = TP / detections,
  R = TP / GT.
* Only images with a detection file are evaluated (the scripts walk the detection folder).

Where the scripts crash this module decides (see docs/evaluation.md): sigma (tau) is 0 when the GT (detection)
has zero raw area, e.g. a symmetric bow-tie or a polygon of fewer than 3 points (the script divides by zero);
a zero denominator in the final ratios gives 0 (Pascal_VOC.py divides 0 by 0 when nothing matches).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from textsr.evaluation.common import Sample, dataset_result, Shapes, candidate_pairs, image_record, ratio, shapes


def pair_areas(g: Shapes, d: Shapes, *, union: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Intersection (and union) areas of the buffer(0) polygons, as ``polygon_fast.py``: (G, D) matrices.

    Pairs with disjoint bounding boxes get I = 0 and U = A_g + A_d without a GEOS call.
    """
    import shapely

    inter = np.zeros((len(g.raw), len(d.raw)), dtype=np.float64)
    gi, di = candidate_pairs(g, d, g.raw != None, d.raw != None)  # noqa: E711 (object arrays)
    if len(gi):
        inter[gi, di] = shapely.area(shapely.intersection(g.fixed[gi], d.fixed[di]))
    uni = None
    if union:
        fa_g = np.nan_to_num(shapely.area(g.fixed), nan=0.0) if len(g.raw) else np.zeros(0)
        fa_d = np.nan_to_num(shapely.area(d.fixed), nan=0.0) if len(d.raw) else np.zeros(0)
        uni = fa_g[:, None] + fa_d[None, :]
        if len(gi):
            uni[gi, di] = shapely.area(shapely.union(g.fixed[gi], d.fixed[di]))
    return inter, uni


def pairwise_geometry(gt_polys: Sequence[np.ndarray], det_polys: Sequence[np.ndarray], *, union: bool = False):
    """(inter (G, D), union (G, D) or None, raw area_gt (G,), raw area_det (D,)) of two polygon lists."""
    g, d = shapes(gt_polys), shapes(det_polys)
    inter, uni = pair_areas(g, d, union=union)
    return inter, uni, g.area, d.area


def dontcare_removed(inter: np.ndarray, area_d: np.ndarray, dc_rows: Sequence[int], threshold: float = 0.5) -> np.ndarray:
    """(D,) bool: I / (A_det + 1) > threshold against one of the GT rows `dc_rows` (``#`` GT of > 1 point)."""
    if len(dc_rows) == 0 or inter.shape[1] == 0:
        return np.zeros(inter.shape[1], dtype=bool)
    return (inter[list(dc_rows)] / (area_d[None, :] + 1.0) > threshold).any(axis=0)


def _round2(values: np.ndarray) -> np.ndarray:
    return np.round(values, 2)


def sigma_tau_from(inter: np.ndarray, area_g: np.ndarray, area_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sigma = round(I / A_gt, 2), tau = round(I / A_det, 2); 0 where the raw area is 0 (the script divides by zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where(area_g[:, None] > 0, inter / np.where(area_g > 0, area_g, 1.0)[:, None], 0.0)
        tau = np.where(area_d[None, :] > 0, inter / np.where(area_d > 0, area_d, 1.0)[None, :], 0.0)
    return _round2(sigma), _round2(tau)


def sigma_tau(gt_polys, det_polys) -> tuple[np.ndarray, np.ndarray]:
    """sigma and tau tables of two polygon lists (see `sigma_tau_from`)."""
    inter, _, area_g, area_d = pairwise_geometry(gt_polys, det_polys)
    return sigma_tau_from(inter, area_g, area_d)


def deteval_match(sigma: np.ndarray, tau: np.ndarray, *, tr: float = 0.7, tp: float = 0.6, k: int = 2, fsc_k: float = 0.8):
    """Total-Text DetEval matching on one image's (G, D) sigma / tau tables.

    Returns (groups [(gt list, det list, type)], recall credit, precision credit, gt_credit (G,) each GT's share
    of the recall credit).
    """
    n_gt, n_det = sigma.shape
    gt_credit = np.zeros(n_gt, dtype=np.float64)
    gt_flag = np.zeros(n_gt, dtype=bool)
    det_flag = np.zeros(n_det, dtype=bool)
    groups = []
    rc = pc = 0.0
    for g in range(n_gt):  # one-to-one (no check of earlier flags, as the script)
        sig_c = np.flatnonzero(sigma[g] > tr)
        tau_c = np.flatnonzero(tau[g] > tp)
        if len(sig_c) != 1 or len(tau_c) != 1:
            continue
        if np.count_nonzero(sigma[:, sig_c] > tr) == 1 and np.count_nonzero(tau[:, tau_c] > tp) == 1:
            rc += 1.0
            pc += 1.0
            gt_credit[g] = 1.0
            gt_flag[g] = True
            det_flag[sig_c] = True
            groups.append(([g], [int(sig_c[0])], "OO"))
    for g in range(n_gt):  # one-to-many
        if gt_flag[g] or np.count_nonzero(sigma[g] > 0) < k:
            continue
        cand = np.flatnonzero((tau[g] >= tp) & ~det_flag)
        if len(cand) == 1:
            if tau[g, cand[0]] >= tp and sigma[g, cand[0]] >= tr:
                rc += 1.0
                pc += 1.0
                gt_credit[g] = 1.0
                gt_flag[g] = True
                det_flag[cand] = True
                groups.append(([g], [int(cand[0])], "OO"))
        elif np.sum(sigma[g, cand]) >= tr:
            gt_flag[g] = True
            det_flag[cand] = True
            rc += fsc_k
            pc += len(cand) * fsc_k
            gt_credit[g] = fsc_k
            groups.append(([g], cand.tolist(), "OM"))
    for d in range(n_det):  # many-to-one
        if det_flag[d] or np.count_nonzero(tau[:, d] > 0) < k:
            continue
        cand = np.flatnonzero((sigma[:, d] >= tp) & ~gt_flag)
        if len(cand) == 1:
            if tau[cand[0], d] >= tp and sigma[cand[0], d] >= tr:
                rc += 1.0
                pc += 1.0
                gt_credit[cand] = 1.0
                gt_flag[cand] = True
                det_flag[d] = True
                groups.append(([int(cand[0])], [d], "OO"))
        elif np.sum(tau[cand, d]) >= tp:
            det_flag[d] = True
            gt_flag[cand] = True
            rc += len(cand) * fsc_k
            pc += fsc_k
            gt_credit[cand] = fsc_k
            groups.append((cand.tolist(), [d], "MO"))
    return groups, rc, pc, gt_credit


def pascal_match_iou(iou: np.ndarray, *, iou_threshold: float = 0.5):
    """Total-Text Pascal VOC on one image's (G, D) IoU table: returns (matches [(g, d)], n_tp, n_fp)."""
    n_gt, n_det = iou.shape
    if n_det == 0 or n_gt == 0:
        return [], 0, 0
    gt_used = np.zeros(n_gt, dtype=bool)
    matches, tp, fp = [], 0, 0
    for d in range(n_det):
        best = int(np.argmax(iou[:, d]))
        if iou[best, d] >= iou_threshold and not gt_used[best]:
            gt_used[best] = True
            matches.append((best, d))
            tp += 1
        else:
            fp += 1
    return matches, tp, fp


def score(
    samples: Sequence[Sample],
    *,
    variant: str = "deteval",
    tr: float = 0.7,
    tp: float = 0.6,
    k: int = 2,
    fsc_k: float = 0.8,
    dontcare_threshold: float = 0.5,
    iou_threshold: float = 0.5,
    skip_missing_detections: bool = True,
) -> dict:
    """Dataset-level Total-Text evaluation; `variant` 'deteval' or 'pascal'.

    skip_missing_detections: as the scripts, an image without a detection file is left out (its GT not
    counted; listed under `skipped_images`). False counts its GT as missed.
    """
    if variant not in ("deteval", "pascal"):
        raise ValueError(f"variant must be 'deteval' or 'pascal', got {variant!r}")
    rc = pc = 0.0
    n_gt = n_det = n_matched = 0
    per_image, skipped = {}, []
    for sample in samples:
        if sample.det_path is None and skip_missing_detections:
            skipped.append(sample.stem)
            continue
        gt_all = [r.points for r in sample.gt]
        gt_dc = [r.dontcare for r in sample.gt]
        det_all = [d.points for d in sample.det]
        g_sh, d_sh = shapes(gt_all), shapes(det_all)
        inter, uni = pair_areas(g_sh, d_sh, union=variant == "pascal")
        dc_rows = [i for i, flag in enumerate(gt_dc) if flag and len(gt_all[i]) > 1]
        removed = dontcare_removed(inter, d_sh.area, dc_rows, dontcare_threshold)
        gt_keep = [i for i, flag in enumerate(gt_dc) if not flag]
        det_keep = [j for j, flag in enumerate(removed) if not flag]
        sub = np.ix_(gt_keep, det_keep)
        g, d = len(gt_keep), len(det_keep)
        extra = {}
        if variant == "deteval":
            if g and d:
                sigma, tau = sigma_tau_from(inter[sub], g_sh.area[gt_keep], d_sh.area[det_keep])
                groups, r_img, p_img, local_credit = deteval_match(sigma, tau, tr=tr, tp=tp, k=k, fsc_k=fsc_k)
            else:
                groups, r_img, p_img, local_credit = [], 0.0, 0.0, np.zeros(g)
            gt_credit = np.zeros(len(gt_all), dtype=np.float64)
            gt_credit[gt_keep] = local_credit
            groups = [([gt_keep[i] for i in a], [det_keep[j] for j in b], kind) for a, b, kind in groups]
            pairs = [(i, j) for a, b, _ in groups for i in a for j in b]
            matched_gt = len({i for a, _, _ in groups for i in a})
            rc += r_img
            pc += p_img
            precision, recall = ratio(p_img, d), ratio(r_img, g)
            extra = {
                "match_groups": [{"gt": a, "det": b, "type": kind} for a, b, kind in groups],
                "recall_credit": r_img,
                "precision_credit": p_img,
                "gt_recall_credit": gt_credit,
            }
        else:
            iou = inter[sub] / (uni[sub] + 1.0)
            local, tp_img, _ = pascal_match_iou(iou, iou_threshold=iou_threshold)
            pairs = [(gt_keep[i], det_keep[j]) for i, j in local]
            matched_gt = tp_img
            precision, recall = ratio(tp_img, d), ratio(tp_img, g)
        n_gt += g
        n_det += d
        n_matched += matched_gt
        per_image[sample.stem] = image_record(
            gt_all, gt_dc, det_all, removed, pairs, precision, recall, n_gt=g, n_det=d, n_matched=matched_gt, **extra
        )
    if variant == "deteval":
        return dataset_result(rc, pc, n_gt=n_gt, n_det=n_det, n_matched=n_matched, per_image=per_image,
                              skipped_images=skipped, recall_credit=rc, precision_credit=pc)
    return dataset_result(n_matched, n_matched, n_gt=n_gt, n_det=n_det, n_matched=n_matched, per_image=per_image,
                          skipped_images=skipped)
