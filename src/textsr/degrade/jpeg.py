"""JPEG for the degradations: real libjpeg through OpenCV (`jpeg`), and BasicSR's DiffJPEG in numpy (`realworld`).

`jpeg(hr, scale, quality=q)`: MATLAB bicubic 1/scale (the `bi` LR), then one JPEG round trip through OpenCV's
encoder/decoder (`cv2.imencode('.jpg', IMWRITE_JPEG_QUALITY=q)` / `cv2.imdecode`): baseline, libjpeg's quality
scaling of the standard tables, 4:2:0 chroma, OpenCV defaults otherwise. OpenCV's wheels link libjpeg-turbo;
`opencv_jpeg_library()` returns the exact line from `cv2.getBuildInformation()` for the provenance record.

`diff_jpeg(img, quality)`: BasicSR `basicsr/utils/diffjpeg.py` `DiffJPEG(differentiable=False)`, the JPEG that
Real-ESRGAN's training degradation uses. It is a float simulation, not libjpeg: quality is a real number, tables
are scaled by `quality_to_factor` without libjpeg's rounding/clamping to 1-255, chroma is subsampled by 2 x 2 means
and upsampled by repetition, the image is zero-padded to a multiple of 16, no entropy coding, output is float.
It also applies the standard tables transposed (`y_table = [...].T`), so that vertical frequency u is divided by
the spec's entry (v, u); kept as in the source.
"""

from __future__ import annotations

import numpy as np

from textsr.degrade.bicubic import bicubic_downscale

__all__ = ["jpeg", "jpeg_roundtrip", "opencv_jpeg_library", "diff_jpeg", "quality_to_factor"]


def opencv_jpeg_library() -> str:
    """The JPEG line of `cv2.getBuildInformation()`, e.g. 'JPEG: build-libjpeg-turbo (ver 3.0.3-70)'."""
    import cv2

    lines = [" ".join(ln.split()) for ln in cv2.getBuildInformation().splitlines() if ln.strip().startswith("JPEG:")]
    return f"opencv {cv2.__version__}; " + (lines[0] if lines else "JPEG: unknown")


def jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    """Encode uint8 RGB `(H, W, 3)` or grey `(H, W)` as JPEG at `quality` (1-100) with OpenCV and decode it back.

    The RGB image is handed to OpenCV as BGR (its channel order), so the YCbCr conversion weighs R and B correctly.
    """
    import cv2

    if img.dtype != np.uint8:
        raise TypeError(f"jpeg_roundtrip expects uint8, got {img.dtype}")
    q = int(quality)
    if q != quality or not 1 <= q <= 100:
        raise ValueError(f"JPEG quality must be an integer in 1..100, got {quality}")
    colour = img.ndim == 3
    src = np.ascontiguousarray(img[..., ::-1]) if colour else img
    ok, buf = cv2.imencode(".jpg", src, [int(cv2.IMWRITE_JPEG_QUALITY), q])
    if not ok:
        raise RuntimeError(f"OpenCV could not encode a {img.shape} image as JPEG")
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE)
    return np.ascontiguousarray(out[..., ::-1]) if colour else out


def jpeg(hr: np.ndarray, scale: int, *, rng: np.random.Generator | None = None, quality: int) -> np.ndarray:
    """`bi` LR (MATLAB bicubic 1/scale after modcrop) then an OpenCV JPEG round trip at `quality`; uint8.

    Deterministic (rng unused). quality: integer 1-100, required (the config names it).
    """
    return jpeg_roundtrip(bicubic_downscale(hr, scale), quality)


# ------------------------------------------------------------------------------------------ DiffJPEG (numpy port)
_Y_TABLE = np.array(
    [[16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55], [14, 13, 16, 24, 40, 57, 69, 56],
     [14, 17, 22, 29, 51, 87, 80, 62], [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
     [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]], dtype=np.float64,
).T  # JPEG spec Annex K luminance table, transposed as in DiffJPEG
_C_TABLE = np.full((8, 8), 99.0)
_C_TABLE[:4, :4] = np.array([[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]).T
_ALPHA = np.array([1 / np.sqrt(2)] + [1.0] * 7)
#: orthonormal 8-point DCT-II: F = C X C^T, X = C^T F C
_DCT = 0.5 * _ALPHA[:, None] * np.cos((2 * np.arange(8)[None, :] + 1) * np.arange(8)[:, None] * np.pi / 16)
_RGB2YCC = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_YCC2RGB = np.array([[1.0, 0.0, 1.402], [1.0, -0.344136, -0.714136], [1.0, 1.772, 0.0]])


def quality_to_factor(quality: float) -> float:
    """DiffJPEG's table scale: 50 / q for q < 50, (200 - 2 q) / 100 otherwise (libjpeg's formula, unrounded)."""
    if not 0 < quality < 100:  # 100 would make the factor 0 (division by zero in the source too)
        raise ValueError(f"DiffJPEG quality must lie in (0, 100), got {quality}")
    return (5000.0 / quality if quality < 50 else 200.0 - quality * 2) / 100.0


def _code_plane(plane: np.ndarray, table: np.ndarray) -> np.ndarray:
    """DCT, quantise (round half to even, as torch.round), dequantise, inverse DCT of one plane (sides % 8 == 0)."""
    h, w = plane.shape
    blocks = (plane - 128.0).reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
    coef = np.round(_DCT @ blocks @ _DCT.T / table) * table
    return (_DCT.T @ coef @ _DCT + 128.0).transpose(0, 2, 1, 3).reshape(h, w)


def diff_jpeg(img: np.ndarray, quality: float) -> np.ndarray:
    """DiffJPEG round trip of one float RGB image `(H, W, 3)` in [0, 1] at real-valued `quality`; float, [0, 1]."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"diff_jpeg expects an (H, W, 3) RGB image, got shape {img.shape}")
    factor = quality_to_factor(quality)
    h, w = img.shape[:2]
    x = np.pad(img * 255.0, ((0, -h % 16), (0, -w % 16), (0, 0)))  # zeros at the bottom / right
    ycc = x @ _RGB2YCC.T + np.array([0.0, 128.0, 128.0])
    hp, wp = x.shape[:2]
    y = _code_plane(ycc[..., 0], _Y_TABLE * factor)
    chroma = []
    for c in (1, 2):
        sub = ycc[..., c].reshape(hp // 2, 2, wp // 2, 2).mean(axis=(1, 3))
        chroma.append(np.repeat(np.repeat(_code_plane(sub, _C_TABLE * factor), 2, axis=0), 2, axis=1))
    ycc = np.stack([y, *chroma], axis=2) + np.array([0.0, -128.0, -128.0])
    rgb = np.clip(ycc @ _YCC2RGB.T, 0.0, 255.0) / 255.0
    return rgb[:h, :w]
