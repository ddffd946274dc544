"""Word crops: a text region (quad or polygon, image pixels) rectified to a horizontal grey crop.

A quad is warped as EasyOCR's `four_point_transform` (JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420,
`easyocr/utils.py`, used for its rotated "free" boxes): corners taken as top-left, top-right, bottom-right,
bottom-left; output width = int(max(|tr - tl|, |br - bl|)), height = int(max(|tr - br|, |tl - bl|)); the corners
go to (0, 0), (W-1, 0), (W-1, H-1), (0, H-1); cv2.warpPerspective, bilinear, black outside the image.

Which corner is the top-left: ICDAR-style quads (IC15/17 ground truth, CRAFT output, IC13 boxes, MSRA-TD500
rectangles) start at the text's top-left and go clockwise on screen, so a rotated word comes out upright. A
counter-clockwise quad is read in the clockwise order from the same first corner (else the crop is mirrored).
Polygons of more than 4 points (Total-Text, CTW1500, CRAFT --poly) are replaced by their minimum-area rectangle,
long side horizontal, left to right: a curved word is read from that rectangle (no thin-plate-spline
rectification), a word rotated by 90 degrees comes out turned to read left to right with its top on the right
side of the original image (text rotated the other way comes out upside down), and characters stacked top to
bottom (vertical script) are not handled: EasyOCR does not rotate such crops either.

Margin: EasyOCR's `readtext` widens every detected box before reading it (`group_text_box`, add_margin = 0.1:
int(0.1 * min(width, height)) px on each side of a horizontal box, a similar amount along the diagonals of a
rotated one). `crop_region` does the same for every region, ground truth and detections alike: each side of the
quad moves out by int(margin * min(width, height)) px along the quad's own axes. On the synthetic test set (128
words, tight ink-level quads) HR crops read 106 words right without it and 117 with it; 0 keeps the bare quad.
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_SIDE = 2  # px: a rectified crop narrower or lower than this is not readable (its warp is degenerate)
MARGIN = 0.1  # EasyOCR readtext's add_margin


def quad_area_signed(points: np.ndarray) -> float:
    """Shoelace sum / 2 in image coordinates (y down): positive for a clockwise-on-screen polygon."""
    p = np.asarray(points, dtype=np.float64)
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def min_area_quad(points: np.ndarray) -> np.ndarray:
    """(N, 2) polygon -> (4, 2) float32 minimum-area rectangle: TL, TR, BR, BL with the long side horizontal and
    the text direction pointing right (a vertical long side points down)."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(np.asarray(points, dtype=np.float32))
    theta = np.deg2rad(angle)
    u = np.array([np.cos(theta), np.sin(theta)])  # direction of the side of length w
    long_side, short_side = w, h
    if h > w:
        u = np.array([-u[1], u[0]])
        long_side, short_side = h, w
    if u[0] < -1e-9 or (abs(u[0]) <= 1e-9 and u[1] < 0):
        u = -u
    v = np.array([-u[1], u[0]])  # u turned 90 degrees clockwise on screen: "down" for the text
    c = np.array([cx, cy])
    a, b = long_side / 2.0, short_side / 2.0
    return np.array([c - a * u - b * v, c + a * u - b * v, c + a * u + b * v, c - a * u + b * v], dtype=np.float32)


def region_quad(points: np.ndarray) -> np.ndarray:
    """A region's (4, 2) float32 TL, TR, BR, BL corners: a quad in its own order (made clockwise, first corner
    kept), a polygon of more than 4 points by `min_area_quad`."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) < 4:
        raise ValueError(f"a text region needs at least 4 points, got {len(p)}")
    if len(p) > 4:
        return min_area_quad(p)
    if quad_area_signed(p) < 0:
        p = p[[0, 3, 2, 1]]
    return p.astype(np.float32)


def expand_quad(quad: np.ndarray, margin: float = MARGIN) -> np.ndarray:
    """Move each side of a TL, TR, BR, BL quad out by int(margin * min(width, height)) px along the quad's axes
    (width, height: mean lengths of its opposite sides). Returns (4, 2) float32."""
    tl, tr, br, bl = np.asarray(quad, dtype=np.float64)
    across, down = (tr - tl) + (br - bl), (bl - tl) + (br - tr)
    width, height = np.linalg.norm(across) / 2, np.linalg.norm(down) / 2
    d = int(margin * min(width, height))
    if d == 0:
        return np.asarray(quad, dtype=np.float32)
    u, v = across / (2 * width), down / (2 * height)
    return np.array([tl - d * (u + v), tr + d * (u - v), br + d * (u + v), bl - d * (u - v)], dtype=np.float32)


def four_point_transform(gray: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """Warp the (4, 2) TL, TR, BR, BL `quad` of `gray` (H, W) uint8 to an upright crop (h, w) uint8, as EasyOCR.

    Returns None when the crop would be under MIN_SIDE px on a side.
    """
    rect = np.asarray(quad, dtype=np.float32)
    tl, tr, br, bl = rect
    width = max(int(np.linalg.norm(br - bl)), int(np.linalg.norm(tr - tl)))
    height = max(int(np.linalg.norm(tr - br)), int(np.linalg.norm(tl - bl)))
    if width < MIN_SIDE or height < MIN_SIDE:
        return None
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(rect, dst)
    return cv2.warpPerspective(gray, matrix, (width, height))


def crop_region(gray: np.ndarray, points: np.ndarray, scale: float = 1.0, margin: float = MARGIN) -> np.ndarray | None:
    """The rectified crop of one region of `gray`: `points` (N, 2) x, y are multiplied by `scale` (e.g. 1/4: HR
    coordinates on the x4 LR image), made a quad (`region_quad`), widened by `margin` (`expand_quad`, in the
    scaled pixels) and warped. None when the crop is too small to read."""
    quad = region_quad(np.asarray(points, dtype=np.float64) * scale)
    return four_point_transform(gray, expand_quad(quad, margin) if margin > 0 else quad)
