"""CRAFT inference as the official `test.py`: pre-processing, forward pass, box / polygon post-processing, files.

Numerics follow clovaai/CRAFT-pytorch (`imgproc.py`, `craft_utils.py`, `file_utils.py`) exactly — same OpenCV
calls (resize, connected components, dilation, minAreaRect), same float32/float64 arithmetic, same int32
truncation when writing — so the integer boxes equal the official ones (checked against the official code on the
real samples; see tests/data/craft_official_boxes.json). Differences, all deliberate:

- polygon mode (`poly=True`) keeps each polygon or its fallback box separately; the official code builds one numpy
  array of them, which raises "inhomogeneous shape" on numpy >= 1.24 whenever some but not all words get polygons;
- result lines end in "\\n" (official: "\\r\\n") and a file ends with a newline;
- images are read with PIL, EXIF orientation ignored (official: skimage, which ignores it too);
- `detect_folder` runs a `fold_for_inference` copy of CRAFT (BatchNorm folded, ReLU fused, channels-last): score
  maps differ from the official NCHW forward pass by ~1e-6 and the boxes of every official fixture are unchanged
  (tests/test_detect.py); `precision="bf16"` is opt-in and does change some boxes (README, "Commands" and "Speed on a CPU").

`--refine` is the official one (clovaai/CRAFT-pytorch @ e332dd8, test.py): the LinkRefiner (`RefineNet`) takes CRAFT's
y and upconv4 feature, its output replaces the link map, and polygon output is forced on.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
import torch

from textsr.atomic import write_text_atomic
from textsr.imageio import list_readable_images, read_image
from textsr.models.craft import PRECISIONS, craft_forward, fold_for_inference, inference_call

log = logging.getLogger("textsr.detect")

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # RGB, fraction of 255
IMAGENET_STD = (0.229, 0.224, 0.225)


# ---------------------------------------------------------------------------------------------- pre-processing


def resize_aspect_ratio(
    image: np.ndarray, canvas_size: int = 1280, mag_ratio: float = 1.5
) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Magnify an image for CRAFT and paste it into a zero canvas padded to multiples of 32 (official rules).

    image: (H, W, C) uint8. The long side becomes min(mag_ratio * max(H, W), canvas_size); ratio = that / max(H, W);
    the new sizes are int(H * ratio), int(W * ratio) (truncated), resampled with cv2 INTER_LINEAR, pasted at the
    top-left of a float32 zero canvas whose sides are rounded up to multiples of 32.
    Returns (canvas (H32, W32, C) float32, 0-255 values; ratio; heatmap size (W32 // 2, H32 // 2) as (w, h)).
    """
    height, width, channels = image.shape
    target = mag_ratio * max(height, width)
    if target > canvas_size:
        target = canvas_size
    ratio = target / max(height, width)
    new_h, new_w = int(height * ratio), int(width * ratio)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas_h, canvas_w = -(-new_h // 32) * 32, -(-new_w // 32) * 32
    canvas = np.zeros((canvas_h, canvas_w, channels), dtype=np.float32)
    canvas[:new_h, :new_w, :] = resized
    return canvas, ratio, (canvas_w // 2, canvas_h // 2)


def normalize_mean_variance(image: np.ndarray) -> np.ndarray:
    """RGB 0-255 (H, W, 3) -> float32 (x - 255 * mean) / (255 * std), ImageNet mean/std, in float32 as official."""
    out = image.astype(np.float32)  # a copy
    out -= np.array([m * 255.0 for m in IMAGENET_MEAN], dtype=np.float32)
    out /= np.array([s * 255.0 for s in IMAGENET_STD], dtype=np.float32)
    return out


# --------------------------------------------------------------------------------------------- post-processing


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
    text_threshold: float = 0.7,
    link_threshold: float = 0.4,
    low_text: float = 0.4,
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


def _polygon(box: np.ndarray, labels: np.ndarray, label: int) -> np.ndarray | None:
    """14-point polygon (float64 (14, 2), score-map pixels) of one word, or None where the official gives up.

    Official `getPoly_core` rules: rectify the word's label mask to its box (w x h = side lengths + 1, truncated;
    words under 10 px either way are skipped; vertical words are transposed), take per-column top/bottom extents,
    split the width into 11 segments and keep the tallest column of each odd segment as one of 5 pivots; give up
    if a column spans more than 0.7 h, a segment is empty, a pivot is missing or the segment width is under a
    quarter of the tallest pivot. Pivots are expanded to +-1.45/2 x the median pivot height perpendicular to the
    local direction; the ends are pushed outwards in steps r = 0.5, 0.7, ... (x 2 half heights) until the end line
    misses the word (forced at r >= 1.6).
    """
    num_cp, max_len_ratio, expand_ratio, max_r, step_r = 5, 0.7, 1.45, 2.0, 0.2
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
        w, h = h, w
        mask = mask.transpose()

    columns = []  # (x, first row, last row) of each column with >= 2 word pixels
    max_len = -1
    for i in range(w):
        rows = np.where(mask[:, i] != 0)[0]
        if len(rows) < 2:
            continue
        columns.append((i, rows[0], rows[-1]))
        max_len = max(max_len, rows[-1] - rows[0] + 1)
    if h * max_len_ratio < max_len:
        return None

    n_seg = num_cp * 2 + 1
    seg_w = w / n_seg
    pivots: list[tuple | None] = [None] * num_cp
    centres = [[0, 0] for _ in range(n_seg)]  # per segment: sum, then mean, of (x, centre y) over its columns
    heights = [0] * num_cp
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

    half_h = np.median(heights) * expand_ratio / 2
    spokes = []  # per pivot: (x_top, y_top, x_bottom, y_bottom) in the rectified (maybe transposed) frame
    for i, (x, cy) in enumerate(pivots):
        dx = centres[i * 2 + 2][0] - centres[i * 2][0]
        dy = centres[i * 2 + 2][1] - centres[i * 2][1]
        if dx == 0:
            spokes.append([x, cy - half_h, x, cy + half_h])
            continue
        rad = -math.atan2(dy, dx)
        c, s = half_h * math.cos(rad), half_h * math.sin(rad)
        spokes.append([x - s, cy - c, x + s, cy + c])

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
    for r in np.arange(0.5, max_r, step_r):
        dx = 2 * half_h * r
        forced = r + 2 * step_r >= max_r
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

    ix, iy = (1, 0) if vertical else (0, 1)
    top_line = [start_end] + spokes + [end_end]
    poly = [_unwarp(m_inv, p[ix], p[iy]) for p in top_line]
    poly += [_unwarp(m_inv, p[ix + 2], p[iy + 2]) for p in reversed(top_line)]
    return np.array(poly)


def polygons_from_scores(
    region: np.ndarray,
    affinity: np.ndarray,
    *,
    text_threshold: float = 0.7,
    link_threshold: float = 0.4,
    low_text: float = 0.4,
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Like `boxes_from_scores`, with the official 14-point polygon of each word (`--poly`).

    Returns one (box (4, 2) float32, polygon (14, 2) float64 or None) per word, score-map pixels; None where the
    official polygon fitting gives up (the box is used instead).
    """
    boxes, labels, mapper = _word_components(region, affinity, text_threshold, link_threshold, low_text)
    return [(box, _polygon(box, labels, k)) for box, k in zip(boxes, mapper)]


# ---------------------------------------------------------------------------------------------------- inference


def canvas_tensor(image_rgb_uint8: np.ndarray, *, canvas_size: int = 1280,
                  mag_ratio: float = 1.5) -> tuple[torch.Tensor, float]:
    """Pre-process one RGB uint8 (H, W, 3) image as the official test.py.

    Returns x (1, 3, H32, W32) float32 normalised canvas, a permuted view of the (H32, W32, 3) array (so in
    channels-last memory, as official), and the magnification ratio (score-map pixel * 2 / ratio = input pixel).
    """
    if image_rgb_uint8.ndim != 3 or image_rgb_uint8.shape[2] != 3:
        raise ValueError(f"expected an RGB (H, W, 3) image, got shape {image_rgb_uint8.shape}")
    canvas, ratio, _ = resize_aspect_ratio(image_rgb_uint8, canvas_size, mag_ratio)
    return torch.from_numpy(normalize_mean_variance(canvas)).permute(2, 0, 1).unsqueeze(0), ratio


def maps_from_outputs(y: torch.Tensor, feature: torch.Tensor | None, refiner: torch.nn.Module | None = None, *,
                      precision: str = "fp32") -> list[tuple[np.ndarray, np.ndarray]]:
    """(region, link) float32 (H/2, W/2) maps per image of CRAFT's outputs y (B, H/2, W/2, 2), feature.

    link is y's affinity channel, or, with `refiner` (the LinkRefiner), channel 0 of refiner(y, feature), which
    replaces it as in the official test.py (`score_link = y_refiner[0, :, :, 0]`).
    """
    link = y[..., 1] if refiner is None else inference_call(refiner, y, feature, precision=precision)[..., 0]
    region, link = y[..., 0].cpu().numpy(), link.cpu().numpy()
    return [(np.ascontiguousarray(region[i]), np.ascontiguousarray(link[i])) for i in range(y.shape[0])]


def score_maps(model: torch.nn.Module, image_rgb_uint8: np.ndarray, *, canvas_size: int = 1280,
               mag_ratio: float = 1.5, precision: str = "fp32", refiner: torch.nn.Module | None = None):
    """Pre-process one image and run CRAFT (`craft_forward`: inference mode, channels-last input, `precision`).

    image_rgb_uint8: (H, W, 3) uint8 RGB. Returns (region, link, ratio): two (H32/2, W32/2) float32 maps of the
    padded canvas (link = the affinity map, or the refined link map when `refiner` is given) and the
    magnification ratio (score-map pixel * 2 / ratio = input pixel).
    """
    x, ratio = canvas_tensor(image_rgb_uint8, canvas_size=canvas_size, mag_ratio=mag_ratio)
    y, feature = craft_forward(model, x, precision)
    (region, link), = maps_from_outputs(y, feature, refiner, precision=precision)
    return region, link, ratio


def detections_from_maps(region: np.ndarray, link: np.ndarray, ratio: float, *, text_threshold: float = 0.7,
                         link_threshold: float = 0.4, low_text: float = 0.4, poly: bool = False) -> list[np.ndarray]:
    """Score maps of one image -> detections in input-image pixels, as the official getDetBoxes +
    adjustResultCoordinates (+ the poly -> box fallback of test.py). See `detect_image`."""
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


def _check_refine(refine: bool, refiner) -> None:
    if refine and refiner is None:
        raise ValueError("refine=True needs the LinkRefiner (refiner=..., e.g. textsr.weights.load_refiner(path))")
    if refiner is not None and not refine:
        raise ValueError("a refiner was given but refine=False; pass refine=True to use it")


def detect_image(
    model: torch.nn.Module,
    image_rgb_uint8: np.ndarray,
    *,
    text_threshold: float = 0.7,
    link_threshold: float = 0.4,
    low_text: float = 0.4,
    canvas_size: int = 1280,
    mag_ratio: float = 1.5,
    poly: bool = False,
    refine: bool = False,
    refiner: torch.nn.Module | None = None,
    precision: str = "fp32",
) -> list[np.ndarray]:
    """CRAFT word detections of one RGB uint8 (H, W, 3) image, in input-image pixels (float).

    Returns one (4, 2) float32 box per word, clockwise from the corner with the smallest x + y; with `poly`, a
    (14, 2) float64 polygon where the official fitting succeeds, the box otherwise. Coordinates are score-map
    pixels times (1 / ratio) * 2, computed as the official `adjustResultCoordinates`.
    refine: the official `--refine` (needs `refiner`, a `RefineNet`): the refined map replaces the link map and
    poly is forced on. precision "fp32" (reference) or "bf16" (bfloat16 forward pass: see `inference_call`).
    `model` may be a `CRAFT` or its `fold_for_inference` copy (faster, the same boxes on the official fixtures).
    """
    _check_refine(refine, refiner)
    region, link, ratio = score_maps(model, image_rgb_uint8, canvas_size=canvas_size, mag_ratio=mag_ratio,
                                     precision=precision, refiner=refiner)
    return detections_from_maps(region, link, ratio, text_threshold=text_threshold, link_threshold=link_threshold,
                                low_text=low_text, poly=poly or refine)


def format_detections(polys: list[np.ndarray], rescale: float = 1.0) -> list[str]:
    """Result-file lines "x1,y1,...,xn,yn": coordinates times `rescale` (float64), truncated to int32 as the
    official `saveResult` (toward zero). One line per (N, 2) detection, vertex order kept (clockwise)."""
    lines = []
    for p in polys:
        coords = (np.asarray(p, dtype=np.float64) * rescale).astype(np.int32).reshape(-1)
        lines.append(",".join(str(int(v)) for v in coords))
    return lines


def _merge_settings(merge_lines: Mapping | None, poly: bool) -> dict | None:
    if not merge_lines:
        return None
    keys = set(merge_lines)
    if keys != {"gap", "angle"}:
        raise ValueError(f"merge_lines needs exactly the keys gap and angle, got {sorted(keys)}")
    if poly:
        raise ValueError("merge_lines merges 4-point boxes; it cannot be combined with poly or refine (polygons)")
    return {"gap": float(merge_lines["gap"]), "angle": float(merge_lines["angle"])}


def _batches(files: list[Path], batch_size: int, canvas_size: int, mag_ratio: float):
    """(path, image, x, ratio) lists, in file order: consecutive images whose canvases have one shape, at most
    `batch_size` of them."""
    batch: list[tuple] = []
    for path in files:
        image = read_image(path)
        x, ratio = canvas_tensor(image, canvas_size=canvas_size, mag_ratio=mag_ratio)
        if batch and (len(batch) == batch_size or batch[0][2].shape != x.shape):
            yield batch
            batch = []
        batch.append((path, image, x, ratio))
    if batch:
        yield batch


def detect_folder(
    images: str | Path,
    output: str | Path,
    *,
    weights: str | Path,
    threads: int = 2,
    rescale: float = 1.0,
    poly: bool = False,
    text_threshold: float = 0.7,
    link_threshold: float = 0.4,
    low_text: float = 0.4,
    canvas_size: int = 1280,
    mag_ratio: float = 1.5,
    device: str = "auto",
    precision: str = "fp32",
    refine: bool = False,
    refiner_weights: str | Path | None = None,
    merge_lines: Mapping | None = None,
    batch_size: int = 1,
) -> dict:
    """Run CRAFT on every image of folder `images`; write `output/res_<stem>.txt` per image.

    Each file holds `format_detections(..., rescale)` lines joined by "\\n" with a trailing newline (empty file when
    no word is found). `rescale` multiplies the coordinates (the SR scale for the `lr` condition, so boxes land
    in HR pixels). Every image is decoded first: one error names all unreadable files. CRAFT runs folded for
    inference (`fold_for_inference`: BN folded, ReLU fused, channels-last) in `precision` ("fp32", or "bf16":
    opt-in, see README); `refine` adds the LinkRefiner of `refiner_weights` (its map replaces the link map, poly
    forced on, as the official `--refine`); `merge_lines` {gap, angle} merges word boxes into line boxes
    (`textsr.detect_lines.merge_lines`, box mode only); `batch_size` > 1 runs consecutive images whose canvases
    have one shape as one batch, fp32 boxes unchanged (bench/detect.py --batch 4 on 2 cores: 2 threads 1.04-1.16x
    fp32, 1.06-1.86x bf16, most on small canvases; 1 thread 0.8-0.9x, i.e. slower).
    Uses `threads` torch CPU threads (the caller's setting is restored); device "auto" is the GPU when torch sees
    one, else the CPU. Returns {"n_images", "n_boxes", "seconds", "settings"}: settings = every keyword that
    shapes the boxes (poly as used), plus batch size, threads and device.
    """
    from textsr.detect_lines import merge_lines as merge
    from textsr.device import resolve_device
    from textsr.weights import load_craft, load_refiner  # here: weights imports the model, keep detect importable

    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose from {PRECISIONS}")
    if refine and refiner_weights is None:
        raise ValueError("refine=True needs refiner_weights (the LinkRefiner checkpoint craft_refiner_CTW1500.pth)")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    poly = bool(poly or refine)
    merging = _merge_settings(merge_lines, poly)
    output = Path(output)
    files = list_readable_images(images)
    settings = {
        "weights": str(weights), "refine": bool(refine), "refiner_weights": str(refiner_weights) if refine else None,
        "poly": poly, "text_threshold": text_threshold, "link_threshold": link_threshold, "low_text": low_text,
        "canvas_size": canvas_size, "mag_ratio": mag_ratio, "precision": precision, "merge_lines": merging,
        "rescale": rescale, "batch_size": int(batch_size), "threads": int(threads),
    }
    old_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        dev = resolve_device(device)
        settings["device"] = str(dev)
        model = fold_for_inference(load_craft(weights, device=dev), precision)
        refiner = fold_for_inference(load_refiner(refiner_weights, device=dev), precision) if refine else None
        output.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        n_boxes = done = 0
        for batch in _batches(files, int(batch_size), canvas_size, mag_ratio):
            t = time.perf_counter()
            y, feature = craft_forward(model, torch.cat([item[2] for item in batch]), precision)
            maps = maps_from_outputs(y, feature, refiner, precision=precision)
            for (path, image, _, ratio), (region, link) in zip(batch, maps):
                dets = detections_from_maps(region, link, ratio, text_threshold=text_threshold,
                                            link_threshold=link_threshold, low_text=low_text, poly=poly)
                if merging:
                    dets = merge(dets, **merging)
                lines = format_detections(dets, rescale)
                write_text_atomic(output / f"res_{path.stem}.txt", "".join(line + "\n" for line in lines))
                n_boxes += len(lines)
                done += 1
                log.info("%d/%d %s %dx%d: %d boxes, %.2f s", done, len(files), path.name, image.shape[1],
                         image.shape[0], len(lines), (time.perf_counter() - t) / len(batch))
    finally:
        torch.set_num_threads(old_threads)
    summary = {"n_images": len(files), "n_boxes": n_boxes, "seconds": round(time.perf_counter() - t0, 3),
               "settings": settings}
    log.info("detect: %s", summary)
    return summary
