"""Word crops: a text region (quad or polygon, image pixels) rectified to a horizontal crop, grey (H, W) or colour
(H, W, 3) as the image it is cut from (every warp treats the channels alike).

A quad is warped as EasyOCR's `four_point_transform` (JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420,
`easyocr/utils.py`, used for its rotated "free" boxes): corners taken as top-left, top-right, bottom-right,
bottom-left; output width = int(max(|tr - tl|, |br - bl|)), height = int(max(|tr - br|, |tl - bl|)); the corners
go to (0, 0), (W-1, 0), (W-1, H-1), (0, H-1); cv2.warpPerspective, bilinear, black outside the image.

Which corner is the top-left: ICDAR-style quads (IC15/17 ground truth, CRAFT output, IC13 boxes, MSRA-TD500
rectangles) start at the text's top-left and go clockwise on screen, so a rotated word comes out upright. A
counter-clockwise quad is read in the clockwise order from the same first corner (else the crop is mirrored).
Polygons of more than 4 points (Total-Text, CTW1500, CRAFT --poly) are straightened piece by piece
(`polygon_sides`, `strip_crop`): such a polygon lists the text's top edge left to right, then its bottom edge right
to left (clockwise on screen from the top-left, the convention of all three), so point i of the top edge and
point i from the end pair up as a cross-section of the word; each band between two consecutive cross-sections is
warped (perspective) to an upright rectangle as wide as the band is long, and the bands are put side by side.
A curved word comes out straight (a rotated rectangle would cut an arched word's ends and pad its middle). A
polygon that does not follow the convention (an odd number of points, or a band that is not a convex clockwise
quad) falls back to its minimum-area rectangle, long side horizontal, left to right: a word rotated by 90 degrees
comes out turned to read left to right with its top on the right side of the original image (text rotated the
other way comes out upside down). Characters stacked top to bottom (vertical script) are not handled: EasyOCR does
not rotate such crops either.

Margin: EasyOCR's `readtext` widens every detected box before reading it (`group_text_box`, add_margin = 0.1:
int(0.1 * min(width, height)) px on each side of a horizontal box, a similar amount along the diagonals of a
rotated one). `crop_region` does the same for every region, ground truth and detections alike: each side of the
quad moves out by int(margin * min(width, height)) px along the quad's own axes. On the synthetic test set (128
words, tight ink-level quads) HR crops read 106 words right without it and 117 with it; 0 keeps the bare quad.
A straightened polygon gets the same margin: int(margin * min(length, height)) px out at its top, bottom and ends.
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


def clockwise(points: np.ndarray) -> np.ndarray:
    """(N, 2) polygon -> the same points clockwise on screen: a counter-clockwise one is walked backwards from its
    first point (which stays first)."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return p[[0, *range(len(p) - 1, 0, -1)]] if quad_area_signed(p) < 0 else p


def region_quad(points: np.ndarray) -> np.ndarray:
    """A region's (4, 2) float32 TL, TR, BR, BL corners: a quad in its own order (made clockwise, first corner
    kept), a polygon of more than 4 points by `min_area_quad`."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) < 4:
        raise ValueError(f"a text region needs at least 4 points, got {len(p)}")
    if len(p) > 4:
        return min_area_quad(p)
    return clockwise(p).astype(np.float32)


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


def _clockwise_convex(quad: np.ndarray) -> bool:
    """Whether a (4, 2) polygon turns right (clockwise on screen, y down) at every corner."""
    edges = np.roll(quad, -1, axis=0) - quad
    nxt = np.roll(edges, -1, axis=0)
    return bool(np.all(edges[:, 0] * nxt[:, 1] - edges[:, 1] * nxt[:, 0] > 0))


def polygon_sides(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """An even polygon of >= 6 points, top edge left to right then bottom edge right to left -> (top, bottom), both
    (k, 2) float64 left to right, top[i] and bottom[i] one cross-section. A counter-clockwise polygon is read
    clockwise from its first point. None when it does not follow that convention (odd count, or a band between two
    consecutive cross-sections that is not a convex clockwise quad)."""
    p = clockwise(points)
    n = len(p)
    if n < 6 or n % 2:
        return None
    top, bottom = p[: n // 2], p[n // 2 :][::-1]
    for i in range(n // 2 - 1):
        if not _clockwise_convex(np.array([top[i], top[i + 1], bottom[i + 1], bottom[i]])):
            return None
    return top, bottom


def expand_sides(top: np.ndarray, bottom: np.ndarray, margin: float = MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """Move a straightened polygon's sides out by d = int(margin * min(length, height)) px: every top point d px
    away from its bottom point (and back), and the two end cross-sections d px along their end bands. length: mean
    of the top and bottom edges' lengths; height: mean cross-section length."""
    length = (np.linalg.norm(np.diff(top, axis=0), axis=1).sum()
              + np.linalg.norm(np.diff(bottom, axis=0), axis=1).sum()) / 2
    across = bottom - top
    heights = np.linalg.norm(across, axis=1)
    d = int(margin * min(length, float(heights.mean())))
    if d == 0:
        return top, bottom
    down = across / heights[:, None]
    top, bottom = top - d * down, bottom + d * down
    for side in (top, bottom):
        first, last = side[1] - side[0], side[-1] - side[-2]
        side[0] -= d * first / np.linalg.norm(first)
        side[-1] += d * last / np.linalg.norm(last)
    return top, bottom


def strip_crop(gray: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> np.ndarray | None:
    """Straighten the polygon between `top` and `bottom` (k, 2) of `gray` (H, W) uint8 -> (h + 1, sum(w_i) + 1)
    uint8, sampled one pixel apart: h = round(mean cross-section length); band i (between two cross-sections)
    becomes w_i = round(mean length of its top and bottom sides) columns, the last band one more to end on the last
    cross-section (a cross-section under half a pixel from the previous one is skipped); each band is a perspective
    warp, bilinear, black outside the image. None under MIN_SIDE px."""
    def band_width(i: int, j: int) -> int:
        return int(round((np.linalg.norm(top[j] - top[i]) + np.linalg.norm(bottom[j] - bottom[i])) / 2))

    kept = [0]
    for j in range(1, len(top)):
        if band_width(kept[-1], j) > 0:
            kept.append(j)
    kept[-1] = len(top) - 1
    widths = [band_width(i, j) for i, j in zip(kept, kept[1:])]
    h = int(round(float(np.linalg.norm(bottom - top, axis=1).mean())))
    if len(kept) < 2 or min(widths) < 1 or h + 1 < MIN_SIDE or sum(widths) + 1 < MIN_SIDE:
        return None
    bands = []
    for n, ((i, j), w) in enumerate(zip(zip(kept, kept[1:]), widths)):
        src = np.array([top[i], top[j], bottom[j], bottom[i]], dtype=np.float32)
        dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        cols = w + 1 if n == len(widths) - 1 else w
        bands.append(cv2.warpPerspective(gray, cv2.getPerspectiveTransform(src, dst), (cols, h + 1)))
    return np.hstack(bands)


def crop_region(gray: np.ndarray, points: np.ndarray, scale: float = 1.0, margin: float = MARGIN) -> np.ndarray | None:
    """The rectified crop of one region of `gray` (H, W), or of an RGB (H, W, 3) image (the crop is then RGB):
    `points` (N, 2) x, y are multiplied by `scale` (e.g. 1/4: HR coordinates on the x4 LR image); a polygon that
    `polygon_sides` reads is widened by `margin` (`expand_sides`) and straightened (`strip_crop`); anything else
    (or a degenerate strip) is made a quad (`region_quad`), widened by `margin` (`expand_quad`, in the scaled
    pixels) and warped. None when the crop is too small to read."""
    scaled = np.asarray(points, dtype=np.float64).reshape(-1, 2) * scale
    sides = polygon_sides(scaled) if len(scaled) > 4 else None
    if sides is not None:
        strip = strip_crop(gray, *(expand_sides(*sides, margin) if margin > 0 else sides))
        if strip is not None:
            return strip
    quad = region_quad(scaled)
    return four_point_transform(gray, expand_quad(quad, margin) if margin > 0 else quad)
