"""CRAFT inference as the official `test.py`: one image (`detect_image`) or a folder of them (`detect_folder`).

Pre-processing is `textsr.inference.craft_input`, the score-map post-processing (boxes, polygons) is
`textsr.inference.craft_boxes`; both follow clovaai/CRAFT-pytorch (`imgproc.py`, `craft_utils.py`) exactly, so the
integer boxes equal the official ones (checked against the official code on the real samples; see
tests/data/craft_official_boxes.json). Defaults are the official test.py ones (`textsr.inference.detectors`).
Differences, all deliberate:

- polygon mode (`poly=True`) keeps each polygon or its fallback box separately (see `craft_boxes`);
- result lines end in "\\n" (official: "\\r\\n") and a file ends with a newline;
- images are read with PIL, EXIF orientation ignored (official: skimage, which ignores it too);
- `detect_folder` runs a `fold_for_inference` copy of CRAFT (BatchNorm folded, ReLU fused, channels-last): score
  maps differ from the official NCHW forward pass by ~1e-6 and the boxes of every official fixture are unchanged
  (tests/test_detect.py); `precision="bf16"` is opt-in and does change some boxes (README, "Commands" and "Speed on
  a CPU").

`--refine` is the official one (clovaai/CRAFT-pytorch @ e332dd8, test.py): the LinkRefiner (`RefineNet`) takes CRAFT's
y and upconv4 feature, its output replaces the link map, and polygon output is forced on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from textsr.inference.craft_boxes import (  # noqa: F401 (re-exported: the public names of CRAFT inference)
    boxes_from_scores,
    detections_from_maps,
    polygons_from_scores,
)
from textsr.inference.craft_input import (  # noqa: F401 (re-exported)
    IMAGENET_MEAN,
    IMAGENET_STD,
    canvas_tensor,
    normalize_mean_variance,
    resize_aspect_ratio,
)
from textsr.data.weights import load_craft, load_refiner
from textsr.inference.detectors import DEFAULTS, OFFICIAL, REFINER_FILE
from textsr.inference.lines import merge_lines as merge_line_boxes
from textsr.models.craft import PRECISIONS, craft_forward, fold_for_inference, inference_call
from textsr.util.atomic import write_text_atomic
from textsr.util.device import resolve_device
from textsr.util.imageio import list_readable_images, read_image

log = logging.getLogger("textsr.inference.detect")


def maps_from_outputs(y: torch.Tensor, feature: torch.Tensor | None, refiner: torch.nn.Module | None = None, *,
                      precision: str = DEFAULTS["precision"]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(region, link) float32 (H/2, W/2) maps per image of CRAFT's outputs y (B, H/2, W/2, 2), feature.

    link is y's affinity channel, or, with `refiner` (the LinkRefiner), channel 0 of refiner(y, feature), which
    replaces it as in the official test.py (`score_link = y_refiner[0, :, :, 0]`).
    """
    link = y[..., 1] if refiner is None else inference_call(refiner, y, feature, precision=precision)[..., 0]
    region, link = y[..., 0].cpu().numpy(), link.cpu().numpy()
    return [(np.ascontiguousarray(region[i]), np.ascontiguousarray(link[i])) for i in range(y.shape[0])]


def score_maps(model: torch.nn.Module, image_rgb_uint8: np.ndarray, *, canvas_size: int = OFFICIAL["canvas_size"],
               mag_ratio: float = OFFICIAL["mag_ratio"], precision: str = DEFAULTS["precision"],
               refiner: torch.nn.Module | None = None):
    """Pre-process one image and run CRAFT (`craft_forward`: inference mode, channels-last input, `precision`).

    image_rgb_uint8: (H, W, 3) uint8 RGB. Returns (region, link, ratio): two (H32/2, W32/2) float32 maps of the
    padded canvas (link = the affinity map, or the refined link map when `refiner` is given) and the
    magnification ratio (score-map pixel * 2 / ratio = input pixel).
    """
    x, ratio = canvas_tensor(image_rgb_uint8, canvas_size=canvas_size, mag_ratio=mag_ratio)
    y, feature = craft_forward(model, x, precision)
    (region, link), = maps_from_outputs(y, feature, refiner, precision=precision)
    return region, link, ratio


def _check_refine(refine: bool, refiner) -> None:
    if refine and refiner is None:
        raise ValueError("refine=True needs the LinkRefiner (refiner=..., e.g. textsr.data.weights.load_refiner(path))")
    if refiner is not None and not refine:
        raise ValueError("a refiner was given but refine=False; pass refine=True to use it")


def detect_image(
    model: torch.nn.Module,
    image_rgb_uint8: np.ndarray,
    *,
    text_threshold: float = OFFICIAL["text_threshold"],
    link_threshold: float = OFFICIAL["link_threshold"],
    low_text: float = OFFICIAL["low_text"],
    canvas_size: int = OFFICIAL["canvas_size"],
    mag_ratio: float = OFFICIAL["mag_ratio"],
    poly: bool = False,
    refine: bool = False,
    refiner: torch.nn.Module | None = None,
    precision: str = DEFAULTS["precision"],
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


def _check_folder_args(precision: str, refine: bool, refiner_weights, batch_size: int) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose from {PRECISIONS}")
    if refine and refiner_weights is None:
        raise ValueError(f"refine=True needs refiner_weights (the LinkRefiner checkpoint {REFINER_FILE})")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")


def _detect_files(files: list[Path], output: Path, model: torch.nn.Module, refiner: torch.nn.Module | None,
                  settings: Mapping) -> int:
    """Run `model` on `files` batch by batch; write `output/res_<stem>.txt` per image; returns the box count.
    settings: `detect_folder`'s (thresholds, canvas, precision, poly as used, merge_lines, rescale, batch_size)."""
    thresholds = {k: settings[k] for k in ("text_threshold", "link_threshold", "low_text")}
    precision, merging = settings["precision"], settings["merge_lines"]
    n_boxes = done = 0
    for batch in _batches(files, settings["batch_size"], settings["canvas_size"], settings["mag_ratio"]):
        t = time.perf_counter()
        y, feature = craft_forward(model, torch.cat([item[2] for item in batch]), precision)
        maps = maps_from_outputs(y, feature, refiner, precision=precision)
        for (path, image, _, ratio), (region, link) in zip(batch, maps):
            dets = detections_from_maps(region, link, ratio, **thresholds, poly=settings["poly"])
            if merging:
                dets = merge_line_boxes(dets, **merging)
            lines = format_detections(dets, settings["rescale"])
            write_text_atomic(output / f"res_{path.stem}.txt", "".join(line + "\n" for line in lines))
            n_boxes += len(lines)
            done += 1
            log.info("%d/%d %s %dx%d: %d boxes, %.2f s", done, len(files), path.name, image.shape[1],
                     image.shape[0], len(lines), (time.perf_counter() - t) / len(batch))
    return n_boxes


def detect_folder(
    images: str | Path,
    output: str | Path,
    *,
    weights: str | Path,
    threads: int = 2,
    rescale: float = 1.0,
    poly: bool = False,
    text_threshold: float = OFFICIAL["text_threshold"],
    link_threshold: float = OFFICIAL["link_threshold"],
    low_text: float = OFFICIAL["low_text"],
    canvas_size: int = OFFICIAL["canvas_size"],
    mag_ratio: float = OFFICIAL["mag_ratio"],
    device: str = "auto",
    precision: str = DEFAULTS["precision"],
    refine: bool = False,
    refiner_weights: str | Path | None = None,
    merge_lines: Mapping | None = None,
    batch_size: int = DEFAULTS["batch_size"],
) -> dict:
    """Run CRAFT on every image of folder `images`; write `output/res_<stem>.txt` per image.

    Each file holds `format_detections(..., rescale)` lines joined by "\\n" with a trailing newline (empty file when
    no word is found). `rescale` multiplies the coordinates (the SR scale for the `lr` condition, so boxes land
    in HR pixels). Every image is decoded first: one error names all unreadable files. CRAFT runs folded for
    inference (`fold_for_inference`: BN folded, ReLU fused, channels-last) in `precision` ("fp32", or "bf16":
    opt-in, see README); `refine` adds the LinkRefiner of `refiner_weights` (its map replaces the link map, poly
    forced on, as the official `--refine`); `merge_lines` {gap, angle} merges word boxes into line boxes
    (`textsr.inference.lines.merge_lines`, box mode only); `batch_size` > 1 runs consecutive images whose canvases
    have one shape as one batch, fp32 boxes unchanged (bench/detect.py --batch 4 on 2 cores: 2 threads 1.04-1.16x
    fp32, 1.06-1.86x bf16, most on small canvases; 1 thread 0.8-0.9x, i.e. slower).
    Uses `threads` torch CPU threads (the caller's setting is restored); device "auto" is the GPU when torch sees
    one, else the CPU. Returns {"n_images", "n_boxes", "seconds", "settings"}: settings = every keyword that
    shapes the boxes (poly as used), plus batch size, threads and device.
    """
    _check_folder_args(precision, refine, refiner_weights, batch_size)
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
        n_boxes = _detect_files(files, output, model, refiner, settings)
    finally:
        torch.set_num_threads(old_threads)
    summary = {"n_images": len(files), "n_boxes": n_boxes, "seconds": round(time.perf_counter() - t0, 3),
               "settings": settings}
    log.info("detect: %s", summary)
    return summary
