"""PP-OCRv6's DB text detector with onnxruntime, as rapidocr 3.10.0's `RapidOCR(...)(image, use_det=True,
use_cls=False, use_rec=False)`: same pre-processing, DB post-processing and box order; submission files as CRAFT's.

Model: `rapidocr/models/PP-OCRv6_det_small.onnx` of the PyPI wheel rapidocr==3.10.0 (Apache-2.0; upstream PaddleOCR's
PP-OCRv6_small_det, see the wheel's MODEL_LICENSES.md), 9,929,594 B, md5 below; input BGR (1, 3, H, W) with H, W
multiples of 32, output the probability map (1, 1, H, W). The wheel is used for its files only, never imported.

Steps and settings (DEFAULTS), from rapidocr 3.10.0 `rapidocr/config.yaml` (Global, Det), `rapidocr/main.py`
(`preprocess_img`, `detect_and_crop`, `build_final_output`), `rapidocr/utils/process_img.py`,
`rapidocr/ch_ppocr_det/main.py` (`TextDetector`, `sorted_boxes`) and `rapidocr/ch_ppocr_det/utils.py`
(`DetPreProcess`, `DBPostProcess`):
1. image bounds: a side over max_side_len 2000 or under min_side_len 30 -> resized (bilinear, sides rounded to
   multiples of 32), boxes mapped back by the size ratios at the end;
2. vertical padding: an image at most min_height 30 px high or wider than width_height_ratio 8 x its height gets
   black rows above and below, int(|max(int(w / 8), 30) * 2 - h| / 2) each;
3. network input: limit_type "min": the short side is brought up to limit_side_len 736 (never down), each side
   int(side * ratio) rounded to a multiple of 32, cv2.resize (bilinear); x / 255, (x - 0.5) / 0.5, channels first;
4. DB: bitmap = prob > thresh 0.3, dilated by a 2 x 2 kernel (use_dilation); contours (RETR_LIST, CHAIN_APPROX_SIMPLE),
   the first max_candidates 1000; each contour's minimum-area rectangle (short side >= 3); its score = mean prob
   inside the rectangle (score_mode "fast"; "slow": inside the contour) >= box_thresh 0.5; the rectangle grown by
   unclip_ratio 1.6 (pyclipper round offset by area * ratio / perimeter), its minimum-area rectangle (short side
   >= 5), scaled to the padded image and rounded; corners TL, TR, BR, BL, clipped, kept when both sides > 3 px;
5. order: top to bottom by the first corner's y, boxes whose y differs by < 10 px from the previous one form a line
   read left to right; then the padding removed, the bounds ratio applied, coordinates clipped to the image.
Box type: 4-point rectangles only. rapidocr's `DBPostProcess` has no polygon mode (PaddleOCR's has `box_type:
poly`), so curved sets (Total-Text) are scored on these rectangles too.
Differences: images are read with PIL, EXIF orientation ignored (rapidocr's file loader applies it); rapidocr is
given arrays, which it does not rotate, so the two agree on the same pixels.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import cv2
import numpy as np

from textsr.data.weights import PPOCR_DET, PPOCR_PACKAGE, PPOCR_VERSION
from textsr.inference.detectors import DB_DEFAULTS
from textsr.util.onnx import install_checked, open_session, packaged_file

log = logging.getLogger("textsr.inference.dbnet")

PACKAGE, PACKAGE_VERSION = PPOCR_PACKAGE, PPOCR_VERSION
DET_FILENAME = PPOCR_DET.file
DET_MEMBER = f"rapidocr/models/{DET_FILENAME}"  # path inside the wheel
DET_MD5 = PPOCR_DET.md5  # measured on the pinned wheel (textsr.data.weights)
#: rapidocr 3.10.0 config.yaml: Global (min/max_side_len, min_height, width_height_ratio) and Det (their one home:
#: textsr.inference.detectors, which the planner reads without cv2 or onnxruntime)
DEFAULTS = DB_DEFAULTS
MIN_SIZE = 3  # DBPostProcess.min_size (px of the probability map)
LINE_GAP = 10  # px: sorted_boxes' same-line threshold


def det_weights_source() -> Path:
    """Path of PP-OCRv6_det_small.onnx in the installed wheel rapidocr==3.10.0 (FileNotFoundError naming it)."""
    return packaged_file(PACKAGE, DET_MEMBER, PACKAGE_VERSION)


def install_det_weights(dest: str | os.PathLike, source: str | os.PathLike | None = None) -> Path:
    """Copy PP-OCRv6_det_small.onnx (default: from the wheel) to `dest` atomically, md5-checked (ChecksumError)."""
    return install_checked(source if source is not None else det_weights_source(), dest, DET_MD5)


def _round32(v: float) -> int:
    return int(round(v / 32) * 32)


def fit_bounds(img: np.ndarray, min_side: int, max_side: int) -> tuple[np.ndarray, float, float]:
    """Step 1: (image, ratio_h, ratio_w); ratio = original side / new side (1.0 when untouched)."""
    ratio_h = ratio_w = 1.0
    for too_big in (True, False):
        h, w = img.shape[:2]
        side = max(h, w) if too_big else min(h, w)
        if (too_big and side > max_side) or (not too_big and side < min_side):
            scale = float(max_side if too_big else min_side) / side
            new_h, new_w = _round32(int(h * scale)), _round32(int(w * scale))
            if new_h <= 0 or new_w <= 0:
                raise ValueError(f"image of {w} x {h} px cannot be resized to fit {min_side}-{max_side} px")
            img = cv2.resize(img, (new_w, new_h))
            ratio_h, ratio_w = h / new_h, w / new_w
    return img, ratio_h, ratio_w


def pad_vertically(img: np.ndarray, width_height_ratio: float, min_height: int) -> tuple[np.ndarray, int]:
    """Step 2: (image, rows added on top); black rows above and below a flat or short image."""
    h, w = img.shape[:2]
    wide = width_height_ratio != -1 and w / h > width_height_ratio
    if h > min_height and not wide:
        return img, 0
    pad = int(abs(max(int(w / width_height_ratio), min_height) * 2 - h) / 2)
    return cv2.copyMakeBorder(img, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0)), pad


def network_input(img: np.ndarray, limit_side_len: int, limit_type: str) -> np.ndarray | None:
    """Step 3: BGR uint8 (h, w, 3) -> float32 (1, 3, H, W), H and W multiples of 32; None when a side rounds to 0."""
    h, w = img.shape[:2]
    if limit_type == "max":
        ratio = float(limit_side_len) / max(h, w) if max(h, w) > limit_side_len else 1.0
    elif limit_type == "min":
        ratio = float(limit_side_len) / min(h, w) if min(h, w) < limit_side_len else 1.0
    else:
        raise ValueError(f"limit_type must be 'min' or 'max', got {limit_type!r}")
    new_h, new_w = _round32(int(h * ratio)), _round32(int(w * ratio))
    if new_h <= 0 or new_w <= 0:
        return None
    x = cv2.resize(img, (new_w, new_h)).astype("float32") * (1 / 255.0)
    x = (x - np.array([0.5, 0.5, 0.5])) / np.array([0.5, 0.5, 0.5])
    return x.transpose((2, 0, 1))[None].astype(np.float32)


def min_rect(contour: np.ndarray) -> tuple[np.ndarray, float]:
    """Minimum-area rectangle of a contour -> ((4, 2) float32 corners TL, TR, BR, BL by DB's rule, short side)."""
    rect = cv2.minAreaRect(contour)
    pts = sorted(list(cv2.boxPoints(rect)), key=lambda p: p[0])
    left = (pts[0], pts[1]) if pts[1][1] > pts[0][1] else (pts[1], pts[0])  # (top, bottom) of the two leftmost
    right = (pts[2], pts[3]) if pts[3][1] > pts[2][1] else (pts[3], pts[2])
    return np.array([left[0], right[0], right[1], left[1]]), min(rect[1])


def mean_score(prob: np.ndarray, points: np.ndarray) -> float:
    """Mean of `prob` (H, W) inside the polygon `points` (N, 2), over its bounding box clipped to the map."""
    h, w = prob.shape[:2]
    pts = points.copy()
    x0 = np.clip(np.floor(pts[:, 0].min()).astype(np.int32), 0, w - 1)
    x1 = np.clip(np.ceil(pts[:, 0].max()).astype(np.int32), 0, w - 1)
    y0 = np.clip(np.floor(pts[:, 1].min()).astype(np.int32), 0, h - 1)
    y1 = np.clip(np.ceil(pts[:, 1].max()).astype(np.int32), 0, h - 1)
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    pts[:, 0] = pts[:, 0] - x0
    pts[:, 1] = pts[:, 1] - y0
    cv2.fillPoly(mask, pts.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0]


def unclip(box: np.ndarray, ratio: float) -> np.ndarray:
    """Grow a polygon by area * ratio / perimeter px (pyclipper, round joins) -> (M, 1, 2) int points."""
    import pyclipper
    from shapely.geometry import Polygon

    poly = Polygon(box)
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return np.array(offset.Execute(poly.area * ratio / poly.length)).reshape((-1, 1, 2))


def boxes_from_prob(prob: np.ndarray, dest_w: int, dest_h: int, *, thresh: float, box_thresh: float,
                    max_candidates: int, unclip_ratio: float, use_dilation: bool,
                    score_mode: str) -> tuple[np.ndarray, list[float]]:
    """Step 4: probability map (H, W) -> boxes (N, 4, 2) float32 TL, TR, BR, BL in pixels of the (dest_w x dest_h)
    image, and their scores; clipped, with sides > 3 px, in contour order."""
    if score_mode not in ("fast", "slow"):
        raise ValueError(f"score_mode must be 'fast' or 'slow', got {score_mode!r}")
    height, width = prob.shape
    bitmap = (prob > thresh).astype(np.uint8)
    if use_dilation:
        bitmap = cv2.dilate(bitmap, np.array([[1, 1], [1, 1]]))
    contours = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[-2]
    boxes, scores = [], []
    for contour in contours[:max_candidates]:
        points, short = min_rect(contour)
        if short < MIN_SIZE:
            continue
        score = mean_score(prob, points.reshape(-1, 2) if score_mode == "fast" else contour.reshape(-1, 2))
        if score < box_thresh:
            continue
        box, short = min_rect(unclip(points, unclip_ratio))
        if short < MIN_SIZE + 2:
            continue
        box[:, 0] = np.clip(np.round(box[:, 0] / width * dest_w), 0, dest_w)
        box[:, 1] = np.clip(np.round(box[:, 1] / height * dest_h), 0, dest_h)
        box = clockwise_corners(box.astype(np.int32))
        box[:, 0] = np.minimum(np.maximum(box[:, 0], 0), dest_w - 1).astype(np.int32)
        box[:, 1] = np.minimum(np.maximum(box[:, 1], 0), dest_h - 1).astype(np.int32)
        if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
            continue
        boxes.append(box)
        scores.append(score)
    return np.array(boxes, dtype=np.float32).reshape(-1, 4, 2), scores


def clockwise_corners(pts: np.ndarray) -> np.ndarray:
    """(4, 2) -> float32 TL, TR, BR, BL: the two leftmost points (by x) are TL and BL by y, the others TR and BR."""
    by_x = pts[np.argsort(pts[:, 0]), :]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1]), :]
    tr, br = right[np.argsort(right[:, 1]), :]
    return np.array([tl, tr, br, bl], dtype="float32")


def reading_order(boxes: np.ndarray, scores: list[float]) -> tuple[np.ndarray, list[float]]:
    """Step 5's order: stable by the first corner's y, then lines (a y step >= LINE_GAP starts one) by x."""
    if len(boxes) == 0:
        return boxes, scores
    by_y = np.argsort(boxes[:, 0, 1], kind="stable")
    y = boxes[by_y, 0, 1]
    line = np.concatenate([[0], np.cumsum(np.diff(y) >= LINE_GAP)])
    order = by_y[np.lexsort((boxes[by_y, 0, 0], line))]
    return boxes[order], [scores[i] for i in order]


class DBDetector:
    """PP-OCRv6's DB detector on onnxruntime (md5-checked `weights`), with rapidocr 3.10.0's settings (DEFAULTS,
    any of which a keyword overrides). threads: intra-op CPU threads; device "auto", "cpu" or "cuda[:N]"."""

    def __init__(self, weights: str | os.PathLike, *, threads: int = 1, device: str = "auto", **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown DB settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
        self.settings = {**DEFAULTS, **settings}
        self.session = open_session(weights, DET_MD5, threads=threads, device=device)
        self.input_name = self.session.get_inputs()[0].name

    def detect_bgr(self, image: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """BGR uint8 (H, W, 3) -> (boxes (N, 4, 2) float32 x, y in its pixels, TL, TR, BR, BL; scores)."""
        s = self.settings
        ori_h, ori_w = image.shape[:2]
        img, ratio_h, ratio_w = fit_bounds(image, s["min_side_len"], s["max_side_len"])
        img, top = pad_vertically(img, s["width_height_ratio"], s["min_height"])
        x = network_input(img, s["limit_side_len"], s["limit_type"])
        if x is None:
            return np.zeros((0, 4, 2), np.float32), []
        prob = self.session.run(None, {self.input_name: x})[0][0, 0]
        boxes, scores = boxes_from_prob(
            prob, img.shape[1], img.shape[0], thresh=s["thresh"], box_thresh=s["box_thresh"],
            max_candidates=s["max_candidates"], unclip_ratio=s["unclip_ratio"], use_dilation=s["use_dilation"],
            score_mode=s["score_mode"])
        boxes, scores = reading_order(boxes, scores)
        boxes[:, :, 1] -= top
        boxes[:, :, 0] *= ratio_w
        boxes[:, :, 1] *= ratio_h
        boxes = np.where(boxes < 0, 0, boxes)
        boxes[..., 0] = np.where(boxes[..., 0] > ori_w, ori_w, boxes[..., 0])
        boxes[..., 1] = np.where(boxes[..., 1] > ori_h, ori_h, boxes[..., 1])
        return boxes, scores

    def detect(self, rgb: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """RGB uint8 (H, W, 3) (as `textsr.util.imageio.read_image` gives) -> `detect_bgr` of its BGR copy."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 (H, W, 3) image, got {rgb.dtype} {rgb.shape}")
        return self.detect_bgr(np.ascontiguousarray(rgb[:, :, ::-1]))


def detect_folder_db(images: str | Path, output: str | Path, *, weights: str | Path, threads: int = 2,
                     rescale: float = 1.0, device: str = "auto", **settings) -> dict:
    """Run the DB detector on every image of folder `images`; write `output/res_<stem>.txt` per image, as CRAFT's
    `textsr.inference.detect.detect_folder`: `format_detections(boxes, rescale)` lines (x1,y1,...,x4,y4 times
    `rescale`, truncated to int), "\\n"-terminated, an empty file when nothing is found. Every image is decoded
    first (one error names all unreadable files). settings: DEFAULTS overrides. threads: onnxruntime intra-op
    threads. Returns {"n_images", "n_boxes", "seconds", "settings"}.
    """
    from textsr.inference.detect import format_detections
    from textsr.util.atomic import write_text_atomic
    from textsr.util.imageio import list_readable_images, read_image

    files = list_readable_images(images)
    detector = DBDetector(weights, threads=threads, device=device, **settings)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n_boxes = 0
    for i, path in enumerate(files, 1):
        t = time.perf_counter()
        image = read_image(path)
        boxes, _ = detector.detect(image)
        lines = format_detections(list(boxes), rescale)
        write_text_atomic(output / f"res_{path.stem}.txt", "".join(line + "\n" for line in lines))
        n_boxes += len(lines)
        log.info("%d/%d %s %dx%d: %d boxes, %.2f s", i, len(files), path.name, image.shape[1], image.shape[0],
                 len(lines), time.perf_counter() - t)
    summary = {"n_images": len(files), "n_boxes": n_boxes, "seconds": round(time.perf_counter() - t0, 3),
               "settings": {**detector.settings, "weights": str(weights), "rescale": rescale,
                            "threads": int(threads), "device": device,
                            "providers": detector.session.get_providers()}}
    log.info("detect (DB): %s", summary)
    return summary
