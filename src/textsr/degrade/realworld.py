"""Real-ESRGAN's second-order degradation on one uint8 image, in numpy, seeded per image.

Sources (read, not copied): xinntao/Real-ESRGAN @ a4abfb2979a7bbff3f69f58f58ae324608821e27 --
`options/train_realesrnet_x4plus.yml` (parameters; `train_realesrnet_x2plus.yml` and `train_realesrgan_x4plus.yml`
use the same degradation values), `realesrgan/data/realesrgan_dataset.py` (kernel draws),
`realesrgan/models/realesrnet_model.py` `feed_data` (the pipeline); XPixelGroup/BasicSR @
8d56e3a045f9fb3e1d8872f92ee4a4f07f886b0a -- `basicsr/data/degradations.py` (kernels, noise),
`basicsr/utils/img_process_util.py` (`filter2D`, `USMSharp`), `basicsr/utils/diffjpeg.py` (JPEG).

Pipeline on float RGB in [0, 1] (HR modcropped to a multiple of `scale`, H x W):
USM-sharpen the HR (gt_usm: True; the LR of both Real-ESRNet and Real-ESRGAN is made from the sharpened GT) ->
[blur kernel1 -> resize by s1 (up/down/keep) -> Gaussian or Poisson noise -> clamp -> JPEG] ->
[blur kernel2 with prob. second_blur_prob -> resize to (H/scale * s2, W/scale * s2) -> noise -> then, with
probability 1/2 each, (resize to H/scale x W/scale + final sinc) before or after JPEG] -> round, clamp, uint8.
Resizes pick 'area', 'bilinear' or 'bicubic' uniformly, with torch `F.interpolate` semantics (align_corners=False,
no antialiasing, bicubic a = -0.75; the first resize passes scale_factor, the later ones a size). JPEG is BasicSR's
DiffJPEG (`textsr.degrade.jpeg.diff_jpeg`, real-valued quality), as in the source, not libjpeg; like the source it
zero-pads to a multiple of 16, which darkens the bottom/right blocks of sizes that are not multiples of 16.

Deviations from the original, all because it runs on GPU batches of training crops:
* random numbers come from one numpy Generator per image (so streams differ from torch/random/np.random);
* no 400 x 400 crop/pad, no flips, no 256 crop, no training-pair queue: the whole image is degraded;
* arithmetic in float64 instead of float32; filtering by FFT with reflect-101 padding, which also accepts images
  smaller than the kernel (torch's reflect pad fails there); the LR size is (H // scale, W // scale) as in the source.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from textsr.degrade.bicubic import modcrop
from textsr.degrade.jpeg import diff_jpeg
from textsr.degrade.kernels import KERNEL_TYPES, filter2d_reflect, random_blur_kernel, sinc_kernel

__all__ = ["REALESRGAN_OPTIONS", "realworld", "torch_resize", "usm_sharp", "add_gaussian_noise", "add_poisson_noise"]

_KLIST = list(KERNEL_TYPES)
_KPROB = [0.45, 0.25, 0.12, 0.03, 0.12, 0.03]
#: options/train_realesrnet_x4plus.yml (degradation keys, same names); kernel sizes 7..21 are hard-coded in
#: realesrgan_dataset.py (`kernel_range`), the USM radius 50 (-> 51 taps, sigma 0 -> 8.0 by OpenCV's rule),
#: weight 0.5 and threshold 10 are USMSharp's defaults.
REALESRGAN_OPTIONS: dict = {
    "gt_usm": True,
    "resize_prob": [0.2, 0.7, 0.1], "resize_range": [0.15, 1.5],
    "gaussian_noise_prob": 0.5, "noise_range": [1, 30], "poisson_scale_range": [0.05, 3], "gray_noise_prob": 0.4,
    "jpeg_range": [30, 95],
    "second_blur_prob": 0.8,
    "resize_prob2": [0.3, 0.4, 0.3], "resize_range2": [0.3, 1.2],
    "gaussian_noise_prob2": 0.5, "noise_range2": [1, 25], "poisson_scale_range2": [0.05, 2.5],
    "gray_noise_prob2": 0.4, "jpeg_range2": [30, 95],
    "kernel_list": _KLIST, "kernel_prob": _KPROB, "sinc_prob": 0.1, "blur_sigma": [0.2, 3],
    "betag_range": [0.5, 4], "betap_range": [1, 2],
    "kernel_list2": _KLIST, "kernel_prob2": _KPROB, "sinc_prob2": 0.1, "blur_sigma2": [0.2, 1.5],
    "betag_range2": [0.5, 4], "betap_range2": [1, 2],
    "final_sinc_prob": 0.8,
}
_MODES = ("area", "bilinear", "bicubic")


# -------------------------------------------------------------------------------------------------------- resize
def _resize_matrix(n_in: int, n_out: int, mode: str, scale_factor: float | None) -> np.ndarray:
    """`(n_out, n_in)` matrix of torch's 1-D interpolation weights (align_corners=False, antialias=False)."""
    mat = np.zeros((n_out, n_in))
    i = np.arange(n_out)
    if mode == "area":  # adaptive_avg_pool: bins [floor(i*in/out), ceil((i+1)*in/out))
        start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        for r in range(n_out):
            mat[r, start[r]:end[r]] = 1.0 / (end[r] - start[r])
        return mat
    ratio = 1.0 / scale_factor if scale_factor else n_in / n_out
    src = ratio * (i + 0.5) - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        t = src - i0
        np.add.at(mat, (i, i0), 1.0 - t)
        np.add.at(mat, (i, i1), t)
        return mat
    if mode == "bicubic":
        a = -0.75
        i0 = np.floor(src).astype(np.int64)
        t = src - i0

        def near(x):  # |x| <= 1
            return ((a + 2) * x - (a + 3)) * x * x + 1

        def far(x):  # 1 < |x| < 2
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

        for off, wt in zip((-1, 0, 1, 2), (far(t + 1), near(t), near(1 - t), far(2 - t))):
            np.add.at(mat, (i, np.clip(i0 + off, 0, n_in - 1)), wt)
        return mat
    raise ValueError(f"resize mode must be one of {_MODES}, got {mode!r}")


def torch_resize(img: np.ndarray, size: tuple[int, int], mode: str, scale_factor: float | None = None) -> np.ndarray:
    """torch `F.interpolate` of a float `(H, W, C)` image to `size` = (h, w); `scale_factor` as passed to torch.

    With scale_factor (and recompute_scale_factor unset) torch maps coordinates with 1/scale_factor, not in/out.
    """
    h, w = size
    if h < 1 or w < 1:
        raise ValueError(f"resize to {size}: the image ({img.shape[0]} x {img.shape[1]}) is too small")
    m_h = _resize_matrix(img.shape[0], h, mode, scale_factor)
    m_w = _resize_matrix(img.shape[1], w, mode, scale_factor)
    rows = np.tensordot(m_h, img, axes=(1, 0))  # (h, W, C)
    return np.ascontiguousarray(np.tensordot(m_w, rows, axes=(1, 1)).transpose(1, 0, 2))


# ---------------------------------------------------------------------------------------------------- USM, noise
def usm_sharp(img: np.ndarray, weight: float = 0.5, threshold: float = 10.0) -> np.ndarray:
    """BasicSR `USMSharp` (radius 51, sigma 8): masked unsharp masking of a float `(H, W, C)` image in [0, 1]."""
    size, sigma = 51, 0.3 * ((51 - 1) * 0.5 - 1) + 0.8  # cv2.getGaussianKernel(51, 0): sigma from OpenCV's rule
    g = np.exp(-((np.arange(size) - (size - 1) / 2) ** 2) / (2 * sigma * sigma))
    g /= g.sum()

    def blur(x):  # separable form of filter2D with the 51 x 51 outer-product kernel, reflect-101
        return ndimage.correlate1d(ndimage.correlate1d(x, g, axis=0, mode="mirror"), g, axis=1, mode="mirror")

    residual = img - blur(img)
    soft = blur((np.abs(residual) * 255 > threshold).astype(np.float64))
    sharp = np.clip(img + weight * residual, 0, 1)
    return soft * sharp + (1 - soft) * img


def _gray(img: np.ndarray) -> np.ndarray:
    """torchvision `rgb_to_grayscale`: 0.2989 R + 0.587 G + 0.114 B, `(H, W, 1)`."""
    return (0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2])[..., None]


def add_gaussian_noise(img, rng, sigma_range, gray_prob) -> np.ndarray:
    """BasicSR `random_add_gaussian_noise_pt` (clip, no rounding): sigma ~ U(range) grey levels; grey noise
    (one field for all channels) with probability gray_prob."""
    sigma = rng.uniform(*sigma_range) / 255.0
    shape = img.shape[:2] + ((1,) if rng.uniform() < gray_prob else img.shape[2:])
    return np.clip(img + sigma * rng.standard_normal(shape), 0, 1)


def _poisson(img, rng):
    """Shot noise of img quantised to 1/255: Poisson(img * v) / v - img, v = 2^ceil(log2(#distinct values))."""
    q = np.clip(np.round(img * 255.0), 0, 255) / 255.0
    vals = 2.0 ** math.ceil(math.log2(len(np.unique(q))))
    return rng.poisson(q * vals) / vals - q


def add_poisson_noise(img, rng, scale_range, gray_prob) -> np.ndarray:
    """BasicSR `random_add_poisson_noise_pt` (clip, no rounding): noise scale ~ U(range); with probability
    gray_prob the noise is drawn on the greyscale image and shared by the channels."""
    scale = rng.uniform(*scale_range)
    gray = rng.uniform() < gray_prob and img.shape[2] == 3
    return np.clip(img + scale * _poisson(_gray(img) if gray else img, rng), 0, 1)


# ------------------------------------------------------------------------------------------------------ pipeline
def _draw_kernel(rng, o, suffix):
    return random_blur_kernel(
        rng, kernel_list=o["kernel_list" + suffix], kernel_prob=o["kernel_prob" + suffix],
        sigma_range=o["blur_sigma" + suffix], betag_range=o["betag_range" + suffix],
        betap_range=o["betap_range" + suffix], sinc_prob=o["sinc_prob" + suffix],
    )


def _resize_factor(rng, probs, rng_range) -> float:
    p = np.asarray(probs, dtype=np.float64)
    kind = int(rng.choice(3, p=p / p.sum()))  # up, down, keep
    return (rng.uniform(1, rng_range[1]), rng.uniform(rng_range[0], 1), 1.0)[kind]


def _noise_and_jpeg(out, rng, o, suffix, jpeg=True):
    if rng.uniform() < o["gaussian_noise_prob" + suffix]:
        out = add_gaussian_noise(out, rng, o["noise_range" + suffix], o["gray_noise_prob" + suffix])
    else:
        out = add_poisson_noise(out, rng, o["poisson_scale_range" + suffix], o["gray_noise_prob" + suffix])
    return diff_jpeg(np.clip(out, 0, 1), rng.uniform(*o["jpeg_range" + suffix])) if jpeg else out


def realworld(hr: np.ndarray, scale: int, *, rng: np.random.Generator, **options) -> np.ndarray:
    """Real-ESRGAN degradation: HR uint8 RGB `(H, W, 3)` -> LR uint8 `(H // scale, W // scale, 3)`.

    options: any key of REALESRGAN_OPTIONS (same names as the released yml) overrides its default.
    """
    unknown = sorted(set(options) - set(REALESRGAN_OPTIONS))
    if unknown:
        raise ValueError(f"unknown realworld option(s) {unknown}; known: {sorted(REALESRGAN_OPTIONS)}")
    if hr.dtype != np.uint8 or hr.ndim != 3 or hr.shape[2] != 3:
        raise ValueError(f"realworld expects a uint8 (H, W, 3) image, got {hr.dtype} {hr.shape}")
    o = {**REALESRGAN_OPTIONS, **options}
    scale = int(scale)
    img = modcrop(hr, scale).astype(np.float64) / 255.0
    h, w = img.shape[:2]
    kernel1, kernel2 = _draw_kernel(rng, o, ""), _draw_kernel(rng, o, "2")
    final = None
    if rng.uniform() < o["final_sinc_prob"]:
        size = int(rng.choice(np.arange(7, 22, 2)))
        final = sinc_kernel(rng.uniform(np.pi / 3, np.pi), size)
    if o["gt_usm"]:
        img = usm_sharp(img)
    # first order
    out = filter2d_reflect(img, kernel1)
    s1 = _resize_factor(rng, o["resize_prob"], o["resize_range"])
    out = torch_resize(out, (math.floor(h * s1), math.floor(w * s1)), _MODES[rng.integers(3)], scale_factor=s1)
    out = _noise_and_jpeg(out, rng, o, "")
    # second order
    if rng.uniform() < o["second_blur_prob"]:
        out = filter2d_reflect(out, kernel2)
    s2 = _resize_factor(rng, o["resize_prob2"], o["resize_range2"])
    out = torch_resize(out, (int(h / scale * s2), int(w / scale * s2)), _MODES[rng.integers(3)])
    out = _noise_and_jpeg(out, rng, o, "2", jpeg=False)

    def back(x):  # resize to the LR size, then the final sinc (identity when not drawn)
        x = torch_resize(x, (h // scale, w // scale), _MODES[rng.integers(3)])
        return filter2d_reflect(x, final) if final is not None else x

    if rng.uniform() < 0.5:
        out = diff_jpeg(np.clip(back(out), 0, 1), rng.uniform(*o["jpeg_range2"]))
    else:
        out = back(diff_jpeg(np.clip(out, 0, 1), rng.uniform(*o["jpeg_range2"])))
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)
