"""CRAFT score maps -> word boxes and polygons, as the official `craft_utils.py` (getDetBoxes, getPoly_core,
adjustResultCoordinates).

Same OpenCV calls (connected components, dilation, minAreaRect, perspective warps), same float32/float64
arithmetic, so the boxes equal the official ones (tests/data/craft_official_boxes.json). One deliberate difference:
polygon mode keeps each polygon or its fallback box separately (the official code builds one numpy array of them,
which raises "inhomogeneous shape" on numpy >= 1.24 when only some words get polygons). Threshold defaults are the
official test.py ones (`textsr.inference.detectors.OFFICIAL`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from textsr.inference.detectors import OFFICIAL

#: official getPoly_core constants: control points, max column height / box height, pivot expansion, end pushing
NUM_CP, MAX_LEN_RATIO, EXPAND_RATIO, MAX_R, STEP_R = 5, 0.7, 1.45, 2.0, 0.2


def _word_components(
    region: np.ndarray, affinity: np.ndarray, text_threshold: float, link_threshold: float, low_text: float
) -> tuple[list[np.ndarray], np.ndarray, list[int]]:
    """Word boxes in score-map pixels, plus the label map and each box's label (for polygon fitting)."""
    region = np.ascontiguousarray(region, dtype=np.float32)
    affinity = np.ascontiguousarray(affinity, dtype=np.float32)
    map_h, map_w = region.shape
    # cv2.threshold(THRESH_BINARY) on float32 is `value > float32(threshold)`
    text = region > np.float32(low_text)
    link = affinity > np.float32(link_threshold)
    link_only = link & ~text
    n_labels, labels, stats, _ = cv2.connectedComponentsWithStats((text | link).astype(np.uint8), connectivity=4)

    boxes: list[np.ndarray] = []
    mapper: list[int] = []
    for k in range(1, n_labels):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < 10:
            continue
        x, y = int(stats[k, cv2.CC_STAT_LEFT]), int(stats[k, cv2.CC_STAT_TOP])
        w, h = int(stats[k, cv2.CC_STAT_WIDTH]), int(stats[k, cv2.CC_STAT_HEIGHT])
        in_box = labels[y:y + h, x:x + w] == k  # every pixel of component k lies in its bounding box
        if region[y:y + h, x:x + w][in_box].max() < np.float32(text_threshold):  # float32 compare (numpy >= 2)
            continue
        # segmentation = component minus link-only pixels, dilated inside the bbox grown by niter (clipped)
        niter = int(math.sqrt(area * min(w, h) / (w * h)) * 2)
        sx, sy = max(x - niter, 0), max(y - niter, 0)
        ex, ey = min(x + w + niter + 1, map_w), min(y + h + niter + 1, map_h)
        seg = np.zeros((ey - sy, ex - sx), dtype=np.uint8)
        seg[(labels[sy:ey, sx:ex] == k) & ~link_only[sy:ey, sx:ex]] = 255
        seg = cv2.dilate(seg, cv2.getStructuringElement(cv2.MORPH_RECT, (1 + niter, 1 + niter)))
        rows, cols = np.nonzero(seg)
        points = np.stack([cols + sx, rows + sy], axis=1)  # (N, 2) int64 x, y in raster order, as official
        box = cv2.boxPoints(cv2.minAreaRect(points))  # (4, 2) float32
        side_a, side_b = np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[1] - box[2])
        if abs(1 - max(side_a, side_b) / (min(side_a, side_b) + 1e-5)) <= 0.1:
            # near-square ("diamond") rotated boxes are replaced by the axis-aligned box of the pixels
            left, right = points[:, 0].min(), points[:, 0].max()
            top, bottom = points[:, 1].min(), points[:, 1].max()
            box = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float32)
        start = int(box.sum(axis=1).argmin())  # clockwise from the corner with the smallest x + y
        boxes.append(np.roll(box, 4 - start, axis=0))
        mapper.append(k)
    return boxes, labels, mapper


def boxes_from_scores(
    region: np.ndarray,
    affinity: np.ndarray,
    *,
    text_threshold: float = OFFICIAL["text_threshold"],
    link_threshold: float = OFFICIAL["link_threshold"],
    low_text: float = OFFICIAL["low_text"],
) -> list[np.ndarray]:
    """CRAFT score maps -> word boxes, as the official `getDetBoxes` (box mode).

    region, affinity: (H/2, W/2) float32 score maps of one image. Pixels with region > low_text or
    affinity > link_threshold are joined into 4-connected components; a component is a word when its area is
    >= 10 px and its max region score >= text_threshold. Its pixels minus link-only pixels are dilated by a square
    of side 1 + niter, niter = int(2 sqrt(area min(w, h) / (w h))), and the min-area rectangle is taken
    (axis-aligned when its sides differ by <= 10 %).
    Returns (4, 2) float32 arrays of x, y in score-map pixels, clockwise from the corner with the smallest x + y.
    """
    boxes, _, _ = _word_components(region, affinity, text_threshold, link_threshold, low_text)
    return boxes


def _unwarp(m_inv: np.ndarray, x: float, y: float) -> np.ndarray:
    """Point (x, y) of the rectified word image back to score-map pixels (float64)."""
    px, py, pw = np.matmul(m_inv, (x, y, 1))
    return np.array([px / pw, py / pw])


def _rectified_mask(box: np.ndarray, labels: np.ndarray, label: int):
    """The word's label mask warped onto its box: (mask (h, w) of 0/1, m_inv (3, 3) float64, vertical), the mask
    transposed when the box is taller than wide; None where the official gives up (a side under 10 px, a singular
    warp). w, h = side lengths + 1, truncated."""
    w = int(np.linalg.norm(box[0] - box[1]) + 1)
    h = int(np.linalg.norm(box[1] - box[2]) + 1)
    if w < 10 or h < 10:
        return None
    target = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(box, target)
    mask = cv2.warpPerspective(labels, m, (w, h), flags=cv2.INTER_NEAREST)
    try:
        m_inv = np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return None
    mask = (mask == label).astype(labels.dtype)
    vertical = h > w
    if vertical:
        mask = mask.transpose()
    return mask, m_inv, vertical


def _pivots(mask: np.ndarray):
    """(pivots, centres, heights) of a rectified word mask (h, w), or None where the official gives up.

    Columns with >= 2 word pixels give (x, first row, last row); give up when one spans more than MAX_LEN_RATIO * h.
    The width is split into 2 NUM_CP + 1 segments of width w / (2 NUM_CP + 1); centres[s] is the mean (x, centre y)
    of segment s's columns; in each odd segment the tallest column (first of equals) is a pivot (x, centre y) with
    its height. Give up when a segment is empty, a pivot is missing or the segment width is under a quarter of the
    tallest pivot.
    """
    h, w = mask.shape
    columns = []  # (x, first row, last row) of each column with >= 2 word pixels
    max_len = -1
    for i in range(w):
        rows = np.where(mask[:, i] != 0)[0]
        if len(rows) < 2:
            continue
        columns.append((i, rows[0], rows[-1]))
        max_len = max(max_len, rows[-1] - rows[0] + 1)
    if h * MAX_LEN_RATIO < max_len:
        return None

    n_seg = NUM_CP * 2 + 1
    seg_w = w / n_seg
    pivots: list[tuple | None] = [None] * NUM_CP
    centres = [[0, 0] for _ in range(n_seg)]  # per segment: sum, then mean, of (x, centre y) over its columns
    heights = [0] * NUM_CP
    seg, n_in_seg, prev_h = 0, 0, -1
    for x, top, bottom in columns:
        if (seg + 1) * seg_w <= x and seg <= n_seg:
            if n_in_seg == 0:
                break
            centres[seg] = [centres[seg][0] / n_in_seg, centres[seg][1] / n_in_seg]
            n_in_seg, seg, prev_h = 0, seg + 1, -1
        cy = (top + bottom) * 0.5
        cur_h = bottom - top + 1
        centres[seg] = [centres[seg][0] + x, centres[seg][1] + cy]
        n_in_seg += 1
        if seg % 2 == 1 and prev_h < cur_h:
            pivots[(seg - 1) // 2] = (x, cy)
            heights[(seg - 1) // 2] = cur_h
            prev_h = cur_h
    if n_in_seg != 0:
        centres[-1] = [centres[-1][0] / n_in_seg, centres[-1][1] / n_in_seg]
    if any(p is None for p in pivots) or seg_w < np.max(heights) * 0.25:
        return None
    return pivots, centres, heights


def _spokes(pivots: list[tuple], centres: list[list], half_h: float) -> list[list]:
    """Per pivot (x, cy): (x_top, y_top, x_bottom, y_bottom), +-half_h perpendicular to the direction between the
    centres of the segments either side of it (vertical when they share an x)."""
    spokes = []
    for i, (x, cy) in enumerate(pivots):
        dx = centres[i * 2 + 2][0] - centres[i * 2][0]
        dy = centres[i * 2 + 2][1] - centres[i * 2][1]
        if dx == 0:
            spokes.append([x, cy - half_h, x, cy + half_h])
            continue
        rad = -math.atan2(dy, dx)
        c, s = half_h * math.cos(rad), half_h * math.sin(rad)
        spokes.append([x - s, cy - c, x + s, cy + c])
    return spokes


def _end_lines(mask: np.ndarray, pivots: list[tuple], spokes: list[list], half_h: float):
    """(start line, end line) beyond the first and last spokes, or None where the official gives up.

    Each end is pushed outwards along the slope of its first two pivot pairs (summed) by 2 half_h r, r = 0.5,
    0.7, ... until the line (drawn 1 px thick) misses the word, forced when r + 2 STEP_R >= MAX_R.
    """
    grad_start = (pivots[1][1] - pivots[0][1]) / (pivots[1][0] - pivots[0][0]) + (pivots[2][1] - pivots[1][1]) / (
        pivots[2][0] - pivots[1][0]
    )
    grad_end = (pivots[-2][1] - pivots[-1][1]) / (pivots[-2][0] - pivots[-1][0]) + (
        pivots[-3][1] - pivots[-2][1]
    ) / (pivots[-3][0] - pivots[-2][0])

    def end_misses_word(p: np.ndarray) -> bool:
        line = np.zeros(mask.shape, dtype=np.uint8)
        cv2.line(line, (int(p[0]), int(p[1])), (int(p[2]), int(p[3])), 1, thickness=1)
        return np.sum(np.logical_and(mask, line)) == 0

    start_end = end_end = None
    for r in np.arange(0.5, MAX_R, STEP_R):
        dx = 2 * half_h * r
        forced = r + 2 * STEP_R >= MAX_R
        if start_end is None:
            dy = grad_start * dx
            p = np.array(spokes[0]) - np.array([dx, dy, dx, dy])
            if end_misses_word(p) or forced:
                start_end = p
        if end_end is None:
            dy = grad_end * dx
            p = np.array(spokes[-1]) + np.array([dx, dy, dx, dy])
            if end_misses_word(p) or forced:
                end_end = p
        if start_end is not None and end_end is not None:
            break
    if start_end is None or end_end is None:
        return None
    return start_end, end_end


def _polygon(box: np.ndarray, labels: np.ndarray, label: int) -> np.ndarray | None:
    """14-point polygon (float64 (14, 2), score-map pixels) of one word, or None where the official gives up.

    Official `getPoly_core` rules: rectify the word's label mask to its box (`_rectified_mask`), find 5 pivots
    (`_pivots`), expand them to +-EXPAND_RATIO / 2 x the median pivot height perpendicular to the local direction
    (`_spokes`), push the ends outwards until they miss the word (`_end_lines`), and map the 7 top and 7 bottom
    points back through the inverse warp.
    """
    rectified = _rectified_mask(box, labels, label)
    if rectified is None:
        return None
    mask, m_inv, vertical = rectified
    found = _pivots(mask)
    if found is None:
        return None
    pivots, centres, heights = found
    half_h = np.median(heights) * EXPAND_RATIO / 2
    spokes = _spokes(pivots, centres, half_h)
    ends = _end_lines(mask, pivots, spokes, half_h)
    if ends is None:
        return None
    ix, iy = (1, 0) if vertical else (0, 1)
    top_line = [ends[0]] + spokes + [ends[1]]
    poly = [_unwarp(m_inv, p[ix], p[iy]) for p in top_line]
    poly += [_unwarp(m_inv, p[ix + 2], p[iy + 2]) for p in reversed(top_line)]
    return np.array(poly)


def polygons_from_scores(
    region: np.ndarray,
    affinity: np.ndarray,
    *,
    text_threshold: float = OFFICIAL["text_threshold"],
    link_threshold: float = OFFICIAL["link_threshold"],
    low_text: float = OFFICIAL["low_text"],
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Like `boxes_from_scores`, with the official 14-point polygon of each word (`--poly`).

    Returns one (box (4, 2) float32, polygon (14, 2) float64 or None) per word, score-map pixels; None where the
    official polygon fitting gives up (the box is used instead).
    """
    boxes, labels, mapper = _word_components(region, affinity, text_threshold, link_threshold, low_text)
    return [(box, _polygon(box, labels, k)) for box, k in zip(boxes, mapper)]



def detections_from_maps(region: np.ndarray, link: np.ndarray, ratio: float, *,
                         text_threshold: float = OFFICIAL["text_threshold"],
                         link_threshold: float = OFFICIAL["link_threshold"], low_text: float = OFFICIAL["low_text"],
                         poly: bool = False) -> list[np.ndarray]:
    """Score maps of one image -> detections in input-image pixels, as the official getDetBoxes +
    adjustResultCoordinates (+ the poly -> box fallback of test.py). See `textsr.inference.detect.detect_image`."""
    kw = {"text_threshold": text_threshold, "link_threshold": link_threshold, "low_text": low_text}
    scale = np.array([(1 / ratio) * 2, (1 / ratio) * 2])  # float64, exactly official (ratio_w * ratio_net)
    out: list[np.ndarray] = []
    if poly:
        for box, polygon in polygons_from_scores(region, link, **kw):
            box = box.copy()
            box *= scale  # float32 result, as the official in-place multiply
            out.append(box if polygon is None else polygon * scale)
    else:
        for box in boxes_from_scores(region, link, **kw):
            box = box.copy()
            box *= scale
            out.append(box)
    return out
