"""Official-equivalent text-detection evaluation and SR image metrics.

    from textsr.evaluation import PROTOCOLS, evaluate, evaluate_to_json
    result = evaluate("icdar2015", "resources/datasets/ic15/test/gt", "results/det/hr/ic15/x4")

GT_DIR holds the dataset's own ground-truth files under their native names (the image set is defined by them,
plus, with ``images=``, every image without a GT file: an image with no text); DET_DIR holds
``res_<image stem>.txt`` files, comma-separated x,y vertices, x first. The rules of every protocol and what
happens where an official script would crash or reject the submission: docs/evaluation.md.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from textsr.util.atomic import write_text_atomic
from textsr.data.gt import ctw1500 as _ctw
from textsr.data.gt import icdar as _icdar
from textsr.data.gt import msra_td500 as _td500
from textsr.data.gt import totaltext as _tt
from textsr.data.gt.base import AnnotationError, GTRegion
from textsr.data.gt.detections import det_stem, read_detections
from textsr.evaluation import ctw1500, deteval, iou, totaltext
from textsr.evaluation.common import AnnotationErrors, Sample, raise_annotation_errors, to_json
from textsr.util.imageio import list_images

__all__ = ["PROTOCOLS", "Protocol", "AnnotationError", "AnnotationErrors", "evaluate", "evaluate_to_json",
           "load_samples", "summary"]


@dataclass(frozen=True)
class Protocol:
    """One evaluation protocol: how to find and read its GT, what detection lines it takes, how it scores."""

    name: str
    dataset: str
    description: str
    gt_stem: Callable[[str], str | None]
    read_gt: Callable[[Path], list[GTRegion]]
    det_kind: str
    scorer: Callable[..., dict]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    gt_preference: tuple[str, ...] = ()  # suffixes in order of preference when one image has several GT files
    # per-image record fields whose sums over images give the dataset-level formula:
    # (precision numerator, precision denominator, recall numerator, recall denominator)
    per_image_sums: tuple[str, str, str, str] = ("n_matched", "n_det", "n_matched", "n_gt")
    # input checks beyond parsing (e.g. quad orientation): (samples, **options) -> [AnnotationError, ...]
    check: Callable[..., list] | None = None


_IOU = {"iou_threshold": 0.5, "area_precision_threshold": 0.5}
_RRC_QUAD = {**_IOU, "check_orientation": True}
_DETEVAL = {"area_recall_threshold": 0.8, "area_precision_threshold": 0.4, "center_diff_threshold": 1.0}
_TT = {"dontcare_threshold": 0.5, "skip_missing_detections": True}
_CREDITS = ("precision_credit", "n_det", "recall_credit", "n_gt")

PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in [
        Protocol(
            "icdar2015", "icdar2015", "RRC Challenge 4 Task 1 IoU (Polygon3): IoU > 0.5, ### don't care, greedy",
            _icdar.gt_stem, _icdar.read_icdar2015_gt, "quad", iou.score, _RRC_QUAD,
            check=iou.input_errors,
        ),
        Protocol(
            "icdar2017", "icdar2017", "ICDAR2017-MLT: IC15 IoU logic, detections sorted by confidence, script field",
            _icdar.gt_stem, _icdar.read_icdar2017_gt, "quad-confidence", iou.score, {**_RRC_QUAD, "script": None},
            {"confidences": True}, check=iou.input_errors,
        ),
        Protocol(
            "icdar2013", "icdar2013", "RRC Challenge 2 Task 1 DetEval (TL2p_deteval_1_1) on bounding boxes",
            _icdar.gt_stem, _icdar.read_icdar2013_gt, "box", deteval.score, _DETEVAL, {"wolf": False},
            per_image_sums=_CREDITS,
        ),
        Protocol(
            "icdar2013-wolf", "icdar2013", "RRC Challenge 2 Task 1 Wolf & Jolion evaluation (TL2p_icdar_1_1)",
            _icdar.gt_stem, _icdar.read_icdar2013_gt, "box", deteval.score, _DETEVAL, {"wolf": True},
            per_image_sums=_CREDITS,
        ),
        Protocol(
            "icdar2013-iou", "icdar2013", "RRC Challenge 2 Task 1 IoU (TL_iou_1_1, LTRB) on bounding boxes",
            _icdar.gt_stem, _icdar.read_icdar2013_gt, "box", iou.score, _IOU, {"check_orientation": False},
            check=iou.input_errors,
        ),
        Protocol(
            "msra-td500", "msra_td500", "MSRA-TD500 GT converted to IC15 quads, scored with the IC15 logic",
            _td500.gt_stem, _td500.read_msra_td500_gt, "quad", iou.score, _RRC_QUAD,
            check=iou.input_errors,
        ),
        Protocol(
            "msra-td500-angle", "msra_td500", "MSRA-TD500 paper rule: IC15 logic plus angle difference < pi/8",
            _td500.gt_stem, _td500.read_msra_td500_gt, "quad", iou.score, {**_RRC_QUAD, "angle_threshold": math.pi / 8},
            check=iou.input_errors,
        ),
        Protocol(
            "ctw1500", "ctw1500", "SCUT-CTW1500 official voc_eval_polygon: arg-max IoU > 0.5, file order",
            _ctw.gt_stem, _ctw.read_ctw1500_gt, "polygon-float", ctw1500.score, {"iou_threshold": 0.5},
        ),
        Protocol(
            "totaltext", "totaltext", "Total-Text official DetEval (tr 0.7, tp 0.6, 2-decimal rounding)",
            _tt.gt_stem, _tt.read_totaltext_gt, "polygon", totaltext.score,
            {"tr": 0.7, "tp": 0.6, "k": 2, "fsc_k": 0.8, **_TT}, {"variant": "deteval"}, (".mat", ".txt"),
            per_image_sums=_CREDITS,
        ),
        Protocol(
            "totaltext-iou", "totaltext", "Total-Text official Pascal VOC: IoU = I / (U + 1) >= 0.5",
            _tt.gt_stem, _tt.read_totaltext_gt, "polygon", totaltext.score,
            {"iou_threshold": 0.5, **_TT}, {"variant": "pascal"}, (".mat", ".txt"),
        ),
    ]
}

_ALIASES = {"totaltext-pascal": "totaltext-iou", "icdar2015-confidences": "icdar2017", "msra-td500-ic15": "msra-td500"}


def get_protocol(name: str) -> Protocol:
    """Protocol by name; underscores are accepted for hyphens (``icdar2013_wolf``)."""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; expected one of {', '.join(PROTOCOLS)}")
    return PROTOCOLS[key]


def gt_files(protocol: Protocol, gt_dir: Path) -> dict[str, Path]:
    """{image stem: its ground-truth file} of a folder, one file per image (the protocol's preference where an
    image has several, e.g. Total-Text .mat over .txt)."""
    if not gt_dir.is_dir():
        raise FileNotFoundError(f"{gt_dir}: ground-truth folder does not exist")
    found: dict[str, list[Path]] = {}
    for path in sorted(gt_dir.iterdir()):
        stem = protocol.gt_stem(path.name) if path.is_file() else None
        if stem is not None:
            found.setdefault(stem, []).append(path)
    files = {}
    for stem, paths in found.items():
        if len(paths) > 1 and protocol.gt_preference:
            paths = sorted(paths, key=lambda p: protocol.gt_preference.index(p.suffix.lower()))[:1]
        if len(paths) > 1:
            raise ValueError(f"{gt_dir}: several ground-truth files for image {stem!r}: {[p.name for p in paths]}")
        files[stem] = paths[0]
    if not files:
        raise FileNotFoundError(f"{gt_dir}: no {protocol.dataset} ground-truth files (protocol {protocol.name})")
    return files


def _image_stems(images: str | os.PathLike | Iterable[str] | None) -> tuple[set[str], str]:
    """(stems, where) of `images`: a folder (every image file's stem) or an iterable of stems; None: none."""
    if images is None:
        return set(), ""
    if isinstance(images, (str, os.PathLike)):
        return {p.stem for p in list_images(images)}, str(images)
    return {str(s) for s in images}, "the given image list"


def _read_samples(
    protocol: Protocol, gt_dir: Path, det_dir: Path, images: str | os.PathLike | Iterable[str] | None
) -> tuple[list[Sample], list[AnnotationError]]:
    """Samples and the AnnotationErrors of every file that did not parse (such a file's regions are left empty)."""
    gt_paths = gt_files(protocol, gt_dir)
    image_stems, where = _image_stems(images)
    if not det_dir.is_dir():
        raise FileNotFoundError(f"{det_dir}: detection folder does not exist")
    det_files = {}
    for path in det_dir.iterdir():
        stem = det_stem(path.name) if path.is_file() else None
        if stem is not None:
            det_files[stem] = path
    orphans = sorted(set(det_files) - set(gt_paths) - image_stems)
    if orphans:
        names = ", ".join(det_files[s].name for s in orphans[:5]) + (" ..." if len(orphans) > 5 else "")
        also = f" nor image in {where}" if where else ""
        raise ValueError(f"{det_dir}: {len(orphans)} detection file(s) without ground truth in {gt_dir}{also}: {names}")
    errors: list[AnnotationError] = []

    def read(reader: Callable, *args) -> list:
        try:
            return reader(*args)
        except AnnotationError as exc:
            errors.append(exc)
            return []

    samples = []
    for stem, gt_path in sorted(gt_paths.items(), key=lambda kv: kv[1].name):
        det_path = det_files.get(stem)
        det = read(read_detections, det_path, protocol.det_kind) if det_path is not None else []
        samples.append(Sample(stem=stem, gt_path=gt_path, gt=read(protocol.read_gt, gt_path), det_path=det_path, det=det))
    for stem in sorted(image_stems - set(gt_paths)):  # prepare's promise: no GT file = an image without text
        det_path = det_files.get(stem)
        det = read(read_detections, det_path, protocol.det_kind) if det_path is not None else []
        samples.append(Sample(stem=stem, gt_path=None, gt=[], det_path=det_path, det=det))
    return samples, errors


def load_samples(
    protocol: str | Protocol,
    gt_dir: str | os.PathLike,
    det_dir: str | os.PathLike,
    *,
    images: str | os.PathLike | Iterable[str] | None = None,
) -> list[Sample]:
    """Read every GT file of `gt_dir` and the matching ``res_<stem>.txt`` of `det_dir`, sorted by GT file name,
    then the images of `images` (a folder, or image stems) that have no GT file, sorted by stem, with zero GT.

    A detection file whose stem is neither a GT nor an image is an error (the RRC kits reject such a
    submission). Every file is read before anything is raised: one AnnotationError names each malformed file
    (`AnnotationErrors`, with `.errors`, when there are several).
    """
    protocol = protocol if isinstance(protocol, Protocol) else get_protocol(protocol)
    samples, errors = _read_samples(protocol, Path(gt_dir), Path(det_dir), images)
    raise_annotation_errors(errors)
    return samples


def evaluate(
    protocol: str,
    gt_dir: str | os.PathLike,
    det_dir: str | os.PathLike,
    *,
    images: str | os.PathLike | Iterable[str] | None = None,
    **options,
) -> dict:
    """Evaluate the detections of `det_dir` against the native ground truth of `gt_dir`.

    images: the test images (a folder, or an iterable of image stems). An image without a GT file counts as
    an image with zero GT (listed in `images_without_gt`); None: the GT files alone define the image set.
    options: the protocol's tunables (PROTOCOLS[name].defaults), e.g. iou_threshold=0.5; unknown names are an
    error. Returns a JSON-ready dict: protocol, dataset, options, precision, recall, hmean (fractions), n_images,
    n_gt (care GT), n_det (care detections), n_matched (GT matched; DetEval also recall_credit /
    precision_credit), missing_detection_files, images_without_gt, and per_image {stem: {gt, gt_dontcare, det,
    det_dontcare, matches [[gt, det], ...], precision, recall, hmean, n_gt, n_det, n_matched, ...}}.
    Raises AnnotationError ("FILE:LINE: ...") after checking the whole input: one error naming every malformed
    GT or detection file (parse errors and the protocol's checks, e.g. counter-clockwise quads).
    """
    spec = get_protocol(protocol)
    unknown = sorted(set(options) - set(spec.defaults))
    if unknown:
        raise TypeError(f"protocol {spec.name!r} has no option(s) {unknown}; options: {sorted(spec.defaults)}")
    effective = {**spec.defaults, **options}
    samples, errors = _read_samples(spec, Path(gt_dir), Path(det_dir), images)
    if spec.check is not None:
        errors += spec.check(samples, **spec.fixed, **effective)
    raise_annotation_errors(errors)
    result = spec.scorer(samples, **spec.fixed, **effective)
    result.update(
        protocol=spec.name,
        dataset=spec.dataset,
        options=effective,
        gt_dir=str(gt_dir),
        det_dir=str(det_dir),
        n_images=len(result["per_image"]),
        missing_detection_files=[s.stem for s in samples if s.det_path is None],
        images_without_gt=[s.stem for s in samples if s.gt_path is None],
    )
    per_image = result.pop("per_image")  # built JSON-ready by the protocol modules
    result = to_json(result)
    result["per_image"] = per_image
    return result


def summary(result: dict) -> dict:
    """The result without `per_image` (what the CLI prints)."""
    return {k: v for k, v in result.items() if k != "per_image"}


def dumps(value, level: int = 0) -> str:
    """Deterministic JSON: keys sorted, one key per line (indent 1), lists (polygons, matches) kept on one line."""
    if isinstance(value, dict) and value:
        pad = " " * (level + 1)
        items = [f"{pad}{json.dumps(str(k))}: {dumps(v, level + 1)}" for k, v in sorted(value.items())]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    return json.dumps(value, sort_keys=True, allow_nan=False, separators=(", ", ": "))


def evaluate_to_json(
    protocol: str,
    gt_dir: str | os.PathLike,
    det_dir: str | os.PathLike,
    out_json: str | os.PathLike,
    *,
    images: str | os.PathLike | Iterable[str] | None = None,
    **options,
) -> dict:
    """`evaluate` and write the result to `out_json` (`dumps`: sorted keys, indented, atomic); returns the result."""
    result = evaluate(protocol, gt_dir, det_dir, images=images, **options)
    write_text_atomic(out_json, dumps(result) + "\n")
    return result
