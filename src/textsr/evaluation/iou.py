"""RRC IoU protocol family: icdar2015, icdar2017 (MLT), icdar2013-iou, msra-td500 (IC15 logic) and the MSRA-TD500
paper rule (IoU and angle).

Rules of RRC ``script.py`` (Challenge 4 Task 1) / ``TL_iou_1_1.py``, geometry with Polygon3 (GPC) as there:

* a detection is don't-care when its intersection with some ``###`` GT over its own area is > 0.5
  (area 0 gives 0);
* IoU = I / (A_det + A_gt - I), 0 when the union is 0;
* greedy: GT in file order, then detections in file order (descending confidence with confidences on,
  stable for ties); a pair matches when both are unmatched, neither is don't-care and IoU > 0.5;
* R = matched / care GT, P = matched / care detections, H = 2PR/(P+R); 0 for a zero denominator.
  Per image (as the script's per-sample numbers): with no care GT, R = 1 and P = 1 if no care detection else 0.

MSRA-TD500 paper rule (``msra-td500-angle``, Yao et al. CVPR 2012; no official code): a pair also needs the
difference of the text-line angles < pi/8, each angle measured along the box's longer side and folded mod pi,
so that the corner a quad starts at does not matter (CRAFT starts at the corner with the smallest x + y, which
for a line steeper than 45 degrees makes the first edge the short side).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from textsr.data.gt.base import AnnotationError, GTRegion
from textsr.evaluation.common import Sample, dataset_result, image_record, polygon3_areas, ratio


def quad_angle(points: np.ndarray) -> float:
    """Text-line direction of a quad, radians in [0, pi) (clockwise positive on screen, y down), whatever corner
    it starts at: the direction of its longer pair of opposite edges, (p0->p1 + p3->p2) or (p1->p2 + p0->p3),
    folded mod pi. On a tie (a square) the pair p0->p1, p3->p2 is taken.

    points: (4, 2) x, y vertices in order around the quad (either direction).
    """
    p = np.asarray(points, dtype=np.float64)
    u = (p[1] - p[0]) + (p[2] - p[3])
    v = (p[2] - p[1]) + (p[3] - p[0])
    w = v if math.hypot(v[0], v[1]) > math.hypot(u[0], u[1]) else u
    return math.atan2(w[1], w[0]) % math.pi


def gt_line_angle(region: GTRegion) -> float:
    """Text-line direction of a GT region, radians in [0, pi), along its longer side: MSRA-TD500's theta when the
    native box has w >= h, theta + pi/2 when h > w; `quad_angle` of the points when the format has no angle."""
    if region.angle is None:
        return quad_angle(region.points)
    w, h = region.extra.get("w"), region.extra.get("h")
    turn = math.pi / 2 if w is not None and h is not None and h > w else 0.0
    return (region.angle + turn) % math.pi


def angle_difference(a: float, b: float) -> float:
    """|a - b| folded to [0, pi/2]: a text line rotated by pi covers the same box."""
    d = abs(a - b) % math.pi
    return min(d, math.pi - d)


def iou_matrix(inter: np.ndarray, area_g: np.ndarray, area_d: np.ndarray) -> np.ndarray:
    """I / (A_det + A_gt - I), 0 where the union is 0 (the RRC script catches the ZeroDivisionError)."""
    union = area_d[None, :] + area_g[:, None] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union != 0, inter / np.where(union != 0, union, 1.0), 0.0)
    return iou


def dontcare_detections(inter: np.ndarray, area_d: np.ndarray, gt_dontcare: Sequence[bool], threshold: float) -> np.ndarray:
    """(D,) bool: detection d overlaps some don't-care GT with I / A_det > threshold (A_det = 0 gives 0)."""
    dc = np.asarray(gt_dontcare, dtype=bool)
    if inter.size == 0 or not dc.any():
        return np.zeros(inter.shape[1], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(area_d[None, :] != 0, inter[dc] / np.where(area_d != 0, area_d, 1.0)[None, :], 0.0)
    return (frac > threshold).any(axis=0)


def greedy_matches(
    iou: np.ndarray,
    gt_dontcare: np.ndarray,
    det_dontcare: np.ndarray,
    threshold: float,
    order: np.ndarray | None = None,
    accept: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """RRC greedy loop: for each care GT in order, the first unmatched care detection (in `order`) with IoU > threshold
    (and `accept[g, d]` when given). Returns (gt, det) pairs with detection indices in file order."""
    n_gt, n_det = iou.shape
    order = np.arange(n_det) if order is None else np.asarray(order)
    ok = iou > threshold
    if accept is not None:
        ok &= accept
    ok &= ~np.asarray(det_dontcare, dtype=bool)[None, :]
    ok = ok[:, order]
    free = np.ones(n_det, dtype=bool)
    matches = []
    for g in range(n_gt):
        if gt_dontcare[g]:
            continue
        hits = np.flatnonzero(ok[g] & free)
        if hits.size:
            free[hits[0]] = False
            matches.append((g, int(order[hits[0]])))
    return matches


def match_image(
    gt_polys: Sequence[np.ndarray],
    gt_dontcare: Sequence[bool],
    det_polys: Sequence[np.ndarray],
    *,
    iou_threshold: float = 0.5,
    area_precision_threshold: float = 0.5,
    order: np.ndarray | None = None,
    gt_angles: Sequence[float] | None = None,
    det_angles: Sequence[float] | None = None,
    angle_threshold: float | None = None,
) -> dict:
    """Score one image by the RRC IoU rules. Returns matches, det_dontcare, n_gt_care, n_det_care, iou (G, D).

    With `angle_threshold`, a pair also needs angle_difference(gt, det) < angle_threshold (MSRA-TD500 paper rule).
    """
    gt_dc = np.asarray(gt_dontcare, dtype=bool).reshape(-1)
    inter, area_g, area_d = polygon3_areas(gt_polys, det_polys)
    det_dc = dontcare_detections(inter, area_d, gt_dc, area_precision_threshold)
    iou = iou_matrix(inter, area_g, area_d)
    accept = None
    if angle_threshold is not None:
        accept = np.asarray(
            [[angle_difference(ga, da) < angle_threshold for da in det_angles] for ga in gt_angles], dtype=bool
        ).reshape(len(gt_polys), len(det_polys))
    matches = greedy_matches(iou, gt_dc, det_dc, iou_threshold, order, accept) if len(det_polys) else []
    return {
        "matches": matches,
        "det_dontcare": det_dc,
        "n_gt_care": int((~gt_dc).sum()),
        "n_det_care": int((~det_dc).sum()),
        "iou": iou,
    }


def _check_clockwise(sample: Sample) -> None:
    quads = [d for d in sample.det if not d.ltrb]
    if not quads:
        return
    p = np.stack([d.points for d in quads])  # (D, 4, 2)
    q = np.roll(p, -1, axis=1)
    edge_sum = np.sum((q[..., 0] - p[..., 0]) * (q[..., 1] + p[..., 1]), axis=1)
    bad = np.flatnonzero(edge_sum > 0)
    if bad.size:
        d = quads[bad[0]]
        raise AnnotationError(d.path, d.line, "points are not clockwise in image coordinates (y down); the RRC kit rejects this")


def input_errors(samples: Sequence[Sample], *, check_orientation: bool = True, confidences: bool = False, **_) -> list[AnnotationError]:
    """The AnnotationErrors `score` would raise, for every sample at once (first bad line of each file):
    counter-clockwise quads (check_orientation) and confidences given on some lines of a file only."""
    errors = []
    for sample in samples:
        for check in ((_check_clockwise,) if check_orientation else ()) + ((_check_confidences,) if confidences else ()):
            try:
                check(sample)
            except AnnotationError as exc:
                errors.append(exc)
    return errors


def _check_confidences(sample: Sample) -> None:
    _sample_order(sample, True)


def _sample_order(sample: Sample, confidences: bool) -> np.ndarray | None:
    if not confidences or not sample.det:
        return None
    conf = [d.confidence for d in sample.det]
    if all(c is None for c in conf):
        return None
    if any(c is None for c in conf):
        missing = next(d for d in sample.det if d.confidence is None)
        raise AnnotationError(missing.path, missing.line, "confidence missing here but given on other lines of the file")
    return np.argsort(-np.asarray(conf, dtype=np.float64), kind="stable")


def score(
    samples: Sequence[Sample],
    *,
    iou_threshold: float = 0.5,
    area_precision_threshold: float = 0.5,
    confidences: bool = False,
    check_orientation: bool = True,
    script: str | None = None,
    angle_threshold: float | None = None,
) -> dict:
    """Dataset-level RRC IoU evaluation (sums over images, then ratios). Returns the summary and `per_image`.

    check_orientation: reject counter-clockwise detection quads as RRC does (there it rejects the whole
    submission; here an AnnotationError names file and line). False scores them like their clockwise twin.
    script: ICDAR2017-MLT SCRIPT filter; GT of other scripts become don't care.
    angle_threshold: radians; adds the MSRA-TD500 paper's angle condition (needs GT angles).
    """
    matched = n_gt = n_det = 0
    per_image = {}
    for sample in samples:
        gt_polys = [r.points for r in sample.gt]
        gt_dc = [r.dontcare or (script is not None and r.script != script) for r in sample.gt]
        det_polys = [d.points for d in sample.det]
        if check_orientation:
            _check_clockwise(sample)
        kwargs = {}
        if angle_threshold is not None:
            kwargs = dict(
                gt_angles=[gt_line_angle(r) for r in sample.gt],
                det_angles=[quad_angle(p) for p in det_polys],
                angle_threshold=angle_threshold,
            )
        m = match_image(
            gt_polys,
            gt_dc,
            det_polys,
            iou_threshold=iou_threshold,
            area_precision_threshold=area_precision_threshold,
            order=_sample_order(sample, confidences),
            **kwargs,
        )
        k, g, d = len(m["matches"]), m["n_gt_care"], m["n_det_care"]
        matched, n_gt, n_det = matched + k, n_gt + g, n_det + d
        if g == 0:
            recall, precision = 1.0, (0.0 if d > 0 else 1.0)
        else:
            recall, precision = k / g, ratio(k, d)
        extra = {"n_gt": g, "n_det": d, "n_matched": k}
        if angle_threshold is not None:
            extra["det_angle"] = kwargs["det_angles"]
        per_image[sample.stem] = image_record(gt_polys, gt_dc, det_polys, m["det_dontcare"], m["matches"], precision, recall, **extra)
    return dataset_result(matched, matched, n_gt=n_gt, n_det=n_det, n_matched=matched, per_image=per_image)
