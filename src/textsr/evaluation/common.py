"""Pieces every protocol uses: the per-image input record, the combined input error, bounding-box pre-filtering,
Polygon3 pairwise areas, H-mean, and the JSON-ready per-image record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from textsr.data.gt.base import AnnotationError, GTRegion
from textsr.data.gt.detections import Detection


class AnnotationErrors(AnnotationError):
    """Several malformed input files at once. `errors`: each AnnotationError, sorted by file and line; the message
    lists each as ``FILE:LINE: reason`` on its own line; `path`, `line`, `reason` are the first one's."""

    def __init__(self, errors: Iterable[AnnotationError]):
        self.errors = sorted(errors, key=lambda e: (e.path, e.line, e.reason))
        if not self.errors:
            raise ValueError("AnnotationErrors needs at least one error")
        first = self.errors[0]
        self.path, self.line, self.reason = first.path, first.line, first.reason
        n_files = len({e.path for e in self.errors})
        ValueError.__init__(
            self, f"{len(self.errors)} errors in {n_files} input files:\n" + "\n".join(str(e) for e in self.errors)
        )

    def __reduce__(self):
        return (type(self), (self.errors,))


def raise_annotation_errors(errors: Sequence[AnnotationError]) -> None:
    """Nothing for no error; the error itself for one; `AnnotationErrors` listing all for several."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise AnnotationErrors(errors)


@dataclass
class Sample:
    """One image: its ground truth and its detections (`gt_path` None: an image without a GT file, zero GT;
    `det_path` None: no detection file existed)."""

    stem: str
    gt_path: Path | None
    gt: list[GTRegion]
    det_path: Path | None = None
    det: list[Detection] = field(default_factory=list)


def hmean(precision: float, recall: float) -> float:
    """2 P R / (P + R), 0 when P + R = 0 (all official scripts)."""
    return 0.0 if precision + recall == 0 else 2.0 * recall * precision / (recall + precision)


def dataset_result(recall_num: float, precision_num: float, *, n_gt: int, n_det: int, n_matched: int,
                   per_image: dict, **extra) -> dict:
    """The protocol-level result: R = recall_num / n_gt, P = precision_num / n_det (each 0 when its denominator
    is 0), H, the care counts, per_image, and any protocol-specific `extra` fields."""
    recall, precision = ratio(recall_num, n_gt), ratio(precision_num, n_det)
    return {"precision": precision, "recall": recall, "hmean": hmean(precision, recall), "n_gt": n_gt,
            "n_det": n_det, "n_matched": n_matched, **extra, "per_image": per_image}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, 0 when the denominator is 0."""
    return 0.0 if denominator == 0 else numerator / denominator


def bounding_boxes(polys: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 4) xmin, ymin, xmax, ymax of (k, 2) vertex arrays; an empty list gives shape (0, 4)."""
    if len(polys) == 0:
        return np.zeros((0, 4))
    coords = np.concatenate(polys, axis=0)
    starts = np.cumsum([0] + [len(p) for p in polys[:-1]])
    return np.concatenate([np.minimum.reduceat(coords, starts, axis=0), np.maximum.reduceat(coords, starts, axis=0)], axis=1)


def overlapping_pairs(boxes_a: np.ndarray, boxes_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) whose bounding boxes overlap with positive area.

    Pairs outside this set have zero intersection area for any polygon inside those boxes (self-intersecting
    ones too), so protocols compute exact geometry only here.
    """
    if len(boxes_a) == 0 or len(boxes_b) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    w = np.minimum(boxes_a[:, None, 2], boxes_b[None, :, 2]) - np.maximum(boxes_a[:, None, 0], boxes_b[None, :, 0])
    h = np.minimum(boxes_a[:, None, 3], boxes_b[None, :, 3]) - np.maximum(boxes_a[:, None, 1], boxes_b[None, :, 1])
    return np.nonzero((w > 0) & (h > 0))


def polygon3_areas(gt_polys: Sequence[np.ndarray], det_polys: Sequence[np.ndarray]):
    """RRC geometry (Polygon3, i.e. GPC, as Polygon2 in the official scripts).

    Returns (inter (G, D), area_gt (G,), area_det (D,)). `Polygon.area()` of a self-intersecting contour is the
    absolute shoelace sum (a symmetric bow-tie has area 0) while `&` fills it by the even-odd rule: this is what the
    RRC scripts compute, quirks included.
    """
    import Polygon as plg

    gp = [plg.Polygon(p.tolist()) for p in gt_polys]
    dp = [plg.Polygon(p.tolist()) for p in det_polys]
    area_g = np.asarray([p.area() for p in gp], dtype=np.float64)
    area_d = np.asarray([p.area() for p in dp], dtype=np.float64)
    inter = np.zeros((len(gp), len(dp)), dtype=np.float64)
    gi, di = overlapping_pairs(bounding_boxes(gt_polys), bounding_boxes(det_polys))
    for i, j in zip(gi.tolist(), di.tolist()):
        common = gp[i] & dp[j]
        inter[i, j] = common.area() if len(common) else 0.0
    return inter, area_g, area_d


def polygon_lists(polys: Sequence[np.ndarray]) -> list[list[list]]:
    """[(N, 2) array, ...] -> [[[x, y], ...], ...], ints when every value is integral (JSON-friendly)."""
    if len(polys) == 0:
        return []
    coords = np.concatenate([np.asarray(p, dtype=np.float64) for p in polys], axis=0)
    if np.all(coords == np.round(coords)) and np.all(np.abs(coords) < 2**53):
        flat = coords.astype(np.int64).tolist()
    else:
        flat = coords.tolist()
    out, start = [], 0
    for p in polys:
        out.append(flat[start : start + len(p)])
        start += len(p)
    return out


def image_record(
    gt: Sequence[np.ndarray],
    gt_dontcare: Sequence[bool],
    det: Sequence[np.ndarray],
    det_dontcare: Sequence[bool],
    matches: Sequence[tuple[int, int]],
    precision: float,
    recall: float,
    **extra,
) -> dict:
    """The per-image entry of the result: polygons, flags, matched (gt, det) index pairs and the image's P/R/H."""
    record = {
        "gt": polygon_lists(gt),
        "gt_dontcare": [bool(v) for v in gt_dontcare],
        "det": polygon_lists(det),
        "det_dontcare": [bool(v) for v in det_dontcare],
        "matches": [[int(g), int(d)] for g, d in matches],
        "precision": float(precision),
        "recall": float(recall),
        "hmean": hmean(float(precision), float(recall)),
    }
    record.update(to_json(extra))
    return record


def to_json(value):
    """Numpy scalars / arrays, tuples and Paths inside dicts and lists -> plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _ring_ok(p: np.ndarray) -> bool:
    """Enough vertices for a shapely ring: 3 distinct-ended points, or 4+ (a closed list repeats the first)."""
    return len(p) >= 4 or (len(p) == 3 and not np.array_equal(p[0], p[-1]))


@dataclass
class Shapes:
    """Shapely polygons of one image's list of vertex arrays, built in one vectorised call.

    raw: Polygon per entry (None when it has too few points); area: raw areas (0 for None; GEOS gives the
    |shoelace| sum of a self-intersecting ring); boxes: (N, 4) bounding boxes of the vertices.
    fixed: raw.buffer(0) and valid: raw.is_valid, computed on first use.
    """

    raw: np.ndarray
    area: np.ndarray
    boxes: np.ndarray
    _fixed: np.ndarray | None = None
    _valid: np.ndarray | None = None

    @property
    def fixed(self) -> np.ndarray:
        if self._fixed is None:
            import shapely

            self._fixed = shapely.buffer(self.raw, 0) if len(self.raw) else self.raw
        return self._fixed

    @property
    def valid(self) -> np.ndarray:
        if self._valid is None:
            import shapely

            self._valid = np.asarray(shapely.is_valid(self.raw), dtype=bool).reshape(-1)
        return self._valid


def shapes(polys: Sequence[np.ndarray]) -> Shapes:
    """Build `Shapes` for (k, 2) vertex arrays."""
    import shapely

    raw = np.full(len(polys), None, dtype=object)
    ok = [i for i, p in enumerate(polys) if _ring_ok(p)]
    if ok:
        coords = np.concatenate([polys[i] for i in ok], axis=0)
        index = np.repeat(np.arange(len(ok)), [len(polys[i]) for i in ok])
        raw[ok] = shapely.polygons(shapely.linearrings(coords, indices=index))
    area = np.nan_to_num(np.asarray(shapely.area(raw), dtype=np.float64), nan=0.0) if len(polys) else np.zeros(0)
    return Shapes(raw=raw, area=area.reshape(-1), boxes=bounding_boxes(polys))


def candidate_pairs(a: Shapes, b: Shapes, a_ok: np.ndarray | None = None, b_ok: np.ndarray | None = None):
    """Index pairs with overlapping bounding boxes (and a_ok[i], b_ok[j] when given)."""
    gi, di = overlapping_pairs(a.boxes, b.boxes)
    keep = np.ones(len(gi), dtype=bool)
    if a_ok is not None:
        keep &= np.asarray(a_ok, dtype=bool)[gi]
    if b_ok is not None:
        keep &= np.asarray(b_ok, dtype=bool)[di]
    return gi[keep], di[keep]
