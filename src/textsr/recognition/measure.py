"""What the benchmark measures with a recognizer: word accuracy on ground-truth crops, end-to-end word spotting,
TextZoom accuracy, and the user command's folder reading.

recognizer: a name of `textsr.recognition.recognizers.RECOGNIZERS` ("ppocrv6_small", the default, reads colour
crops; "english_g2" reads grey crops, as before), with `weights` the path of its checkpoint; batch_size None is
the recognizer's own (6 for PP-OCR, whose readings depend on it as rapidocr's; 32 for english_g2, whose do not).
Matching is the TextZoom / TSRN rule (`textsr.recognition.text.words_match`): lower case, [0-9a-z] only; each word
also gets `char_accuracy` (1 - normalised edit distance), and results their mean over words.
Every function writes its output atomically and returns what it wrote (as a dict).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from textsr.util.atomic import write_text_atomic
from textsr.data.gt.base import GTRegion
from textsr.evaluation.common import hmean, ratio
from textsr.util.imageio import list_images, read_image
from textsr.recognition.crops import MARGIN, crop_region
from textsr.recognition.preprocess import to_gray
from textsr.recognition.recognizers import DEFAULT_RECOGNIZER, Recognizer, get_recognizer
from textsr.recognition.text import Reading, char_accuracy, normalize_text, words_match

log = logging.getLogger("textsr.recognition")

LATIN_SCRIPTS = (None, "Latin")  # ICDAR2017-MLT script field: other scripts are not scored (english_g2 reads none)


@contextlib.contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    old = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _read(rec: Recognizer, crops: list, weights: str | os.PathLike, threads: int, device: str,
          batch_size: int | None, names: list[str] | None = None) -> list[Reading]:
    """Build `rec`'s reader and read `crops` (colour or grey, as rec.colour); names label bad crops (PP-OCR)."""
    batch = rec.batch_size if batch_size is None else batch_size
    if not rec.torch:
        return rec.build(weights, threads, device).read(crops, batch_size=batch, names=names)
    with _torch_threads(threads):
        return rec.build(weights, threads, device).read(crops, batch_size=batch)


def _score(record: dict, reading: Reading) -> None:
    """Add what a reading of record["gt"] gives: read, confidence (4 decimals), correct, char_accuracy."""
    record.update(read=reading.text, confidence=round(reading.confidence, 4),
                  correct=words_match(record["gt"], reading.text),
                  char_accuracy=round(char_accuracy(record["gt"], reading.text), 4))


def _mean_char_accuracy(records: list[dict]) -> float | None:
    """Mean char_accuracy of the records (unrounded per word), None without records."""
    if not records:
        return None
    return sum(char_accuracy(r["gt"], r["read"]) for r in records) / len(records)


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _dump(path: str | os.PathLike, result: dict) -> None:
    write_text_atomic(path, json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def images_by_stem(folder: str | os.PathLike) -> dict[str, Path]:
    """{file stem: path} of the images in `folder`; two images with one stem (a.png, a.jpg) are an error."""
    out: dict[str, Path] = {}
    for path in list_images(folder):
        if path.stem in out:
            raise ValueError(f"{folder}: two images for stem {path.stem!r}: {out[path.stem].name}, {path.name}")
        out[path.stem] = path
    return out


def scorable(region: GTRegion) -> bool:
    """A ground-truth word the accuracy counts: care, with a transcription that keeps at least one [0-9a-z]
    character after normalisation, and of Latin script where the format names a script (ICDAR2017-MLT)."""
    return (not region.dontcare and region.script in LATIN_SCRIPTS and normalize_text(region.text) != "")


def _check_alignment(regions: list[GTRegion], record: dict, gt_path: Path, eval_json: str | os.PathLike) -> None:
    """The evaluation JSON's `gt` list of one image must be these regions' polygons, in this order."""
    polys = [np.asarray(p, dtype=np.float64) for p in record.get("gt", [])]
    if len(polys) != len(regions) or not all(
        p.shape == r.points.shape and np.allclose(p, r.points) for p, r in zip(polys, regions)
    ):
        raise ValueError(f"{eval_json}: ground truth of {gt_path.name} does not line up with the evaluation's "
                         f"'gt' list ({len(polys)} polygons there, {len(regions)} regions in {gt_path}): was it "
                         "evaluated against another ground-truth folder or protocol?")


@dataclass
class _Pending:
    """Crops waiting to be read, with what each one is for."""

    crops: list
    records: list


def e2e_counts(pairs: list[dict]) -> int:
    """End-to-end true positives: matched (gt, det) pairs read correctly, each GT and each detection counted once
    (DetEval's one-to-many and many-to-one groups give several pairs per GT or detection)."""
    used_gt, used_det, tp = set(), set(), 0
    for p in pairs:
        g, d = (p["stem"], p["gt_index"]), (p["stem"], p["det_index"])
        if p["correct"] and g not in used_gt and d not in used_det:
            used_gt.add(g)
            used_det.add(d)
            tp += 1
    return tp


def recognize_testset(
    images_dir: str | os.PathLike,
    gt_dir: str | os.PathLike,
    protocol: str,
    eval_json: str | os.PathLike | None,
    out_json: str | os.PathLike,
    *,
    weights: str | os.PathLike,
    recognizer: str = DEFAULT_RECOGNIZER,
    coord_scale: float = 1.0,
    margin: float = MARGIN,
    threads: int = 1,
    device: str = "auto",
    batch_size: int | None = None,
) -> dict:
    """Word accuracy on ground-truth crops and end-to-end word spotting of one condition of one test set.

    images_dir: the condition's images (`<stem>.<ext>`, stems as the GT's). gt_dir, protocol: the test set's native
    ground truth and its evaluation protocol (`textsr.evaluation.get_protocol`; its parser gives each region's
    polygon and transcription). eval_json: the `evaluate_to_json` output of this condition's detections (HR
    pixels; `per_image[stem]` with gt, det, det_dontcare, matches), or None to skip end-to-end spotting.
    coord_scale: ground-truth and detection coordinates (HR pixels) are multiplied by it before cropping (1/4 for
    the `lr` condition of x4, whose images are LR). margin: every crop is widened as EasyOCR's readtext widens a
    detected box (`textsr.recognition.crops.expand_quad`; 0: the bare region).

    Word accuracy: every `scorable` GT word, rectified from its region (`crop_region`), correct when the reading
    matches its transcription (`words_match`); crops are cut from the colour image for a colour recognizer, from
    its grey version otherwise. End-to-end: a matched (gt, det) pair of the evaluation is a true
    positive when the detection's crop reads as the GT's transcription (`e2e_counts`); precision = TP / the
    protocol's care detections (n_det), recall = TP / its care GT (n_gt), as fractions.
    Writes out_json (recognizer, n_words, n_correct, accuracy, char_accuracy, e2e_*, words, e2e_pairs; accuracy
    and char_accuracy null without words, e2e fields null without eval_json) and returns it.
    """
    from textsr.evaluation import get_protocol, gt_files

    t0 = time.perf_counter()
    rec = get_recognizer(recognizer)
    spec = get_protocol(protocol)
    gt_paths = gt_files(spec, Path(gt_dir))
    images = images_by_stem(images_dir)
    missing = sorted(set(gt_paths) - set(images))
    if missing:
        names = ", ".join(gt_paths[s].name for s in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise FileNotFoundError(f"{images_dir}: no image for {len(missing)} ground-truth file(s): {names}")
    evaluation = _load_evaluation(eval_json, gt_paths, gt_dir)
    words, pairs = _Pending([], []), _Pending([], [])
    for stem, gt_path in sorted(gt_paths.items(), key=lambda kv: kv[1].name):
        record = evaluation["per_image"].get(stem) if evaluation is not None else None
        _crop_image(spec.read_gt(gt_path), record, images[stem], stem, words, pairs, coord_scale=coord_scale,
                    margin=margin, gt_path=gt_path, eval_json=eval_json, colour=rec.colour)
    readings = _read(rec, words.crops + pairs.crops, weights, threads, device, batch_size)
    for record, reading in zip(words.records + pairs.records, readings):
        _score(record, reading)
    n_correct = sum(r["correct"] for r in words.records)
    result = {
        "recognizer": rec.name, "protocol": spec.name, "images_dir": str(images_dir), "gt_dir": str(gt_dir),
        "eval_json": None if eval_json is None else str(eval_json), "coord_scale": coord_scale, "margin": margin,
        "n_images": len(gt_paths), "n_words": len(words.records), "n_correct": n_correct,
        "accuracy": _ratio(n_correct, len(words.records)),
        "char_accuracy": _mean_char_accuracy(words.records), "words": words.records,
        "e2e_tp": None, "e2e_n_gt": None, "e2e_n_det": None,
        "e2e_precision": None, "e2e_recall": None, "e2e_hmean": None, "e2e_pairs": pairs.records,
    }
    if evaluation is not None:
        tp, n_gt, n_det = e2e_counts(pairs.records), int(evaluation["n_gt"]), int(evaluation["n_det"])
        p, r = ratio(tp, n_det), ratio(tp, n_gt)
        result.update(e2e_tp=tp, e2e_n_gt=n_gt, e2e_n_det=n_det, e2e_precision=p, e2e_recall=r, e2e_hmean=hmean(p, r))
    _dump(out_json, result)
    log.info("recognize %s with %s: %d/%d words read (accuracy %s), e2e H-mean %s, %.1f s", images_dir, rec.name,
             n_correct,
             len(words.records), result["accuracy"], result["e2e_hmean"], time.perf_counter() - t0)
    return result


def _load_evaluation(eval_json: str | os.PathLike | None, gt_paths: dict[str, Path], gt_dir: str | os.PathLike
                     ) -> dict | None:
    """The evaluation JSON (None without one); every image it scores must have ground truth in gt_dir."""
    if eval_json is None:
        return None
    with open(eval_json, encoding="utf-8") as fh:
        evaluation = json.load(fh)
    unknown = sorted(set(evaluation.get("per_image", {})) - set(gt_paths))
    if unknown:
        raise ValueError(f"{eval_json}: images {unknown[:5]} have no ground truth in {gt_dir}")
    return evaluation


def _crop_image(regions: list[GTRegion], record: dict | None, image: Path, stem: str, words: _Pending,
                pairs: _Pending, *, coord_scale: float, margin: float, gt_path: Path,
                eval_json: str | os.PathLike | None, colour: bool) -> None:
    """Append one image's crops: its `scorable` GT words to `words`, the detections of its evaluation's matched
    (gt, det) pairs (record: its `per_image` entry, or None) to `pairs`; the image is read only when needed, and
    cropped in RGB (colour) or grey."""
    if record is not None:
        _check_alignment(regions, record, gt_path, eval_json)
    wanted = [k for k, r in enumerate(regions) if scorable(r)]
    matches = record.get("matches", []) if record is not None else []
    if not wanted and not matches:
        return
    pixels = read_image(image) if colour else to_gray(read_image(image))
    for k in wanted:
        words.crops.append(crop_region(pixels, regions[k].points, coord_scale, margin))
        words.records.append({"stem": stem, "index": k, "gt": regions[k].text})
    for g, d in matches:
        pairs.crops.append(crop_region(pixels, np.asarray(record["det"][d], dtype=np.float64), coord_scale, margin))
        pairs.records.append({"stem": stem, "gt_index": g, "det_index": d, "gt": regions[g].text})


def _read_images(paths: list[Path], recognizer: str, weights, threads: int, device: str,
                 batch_size: int | None) -> list[Reading]:
    """Each image file of `paths` read as one word crop (RGB or grey, as the recognizer wants), in order."""
    rec = get_recognizer(recognizer)
    crops = [read_image(p) if rec.colour else to_gray(read_image(p)) for p in paths]
    return _read(rec, crops, weights, threads, device, batch_size, names=[str(p) for p in paths])


def recognize_word_images(
    images_dir: str | os.PathLike,
    labels_tsv: str | os.PathLike,
    out_json: str | os.PathLike,
    *,
    weights: str | os.PathLike,
    recognizer: str = DEFAULT_RECOGNIZER,
    threads: int = 1,
    device: str = "auto",
    batch_size: int | None = None,
) -> dict:
    """TextZoom protocol: each image of `images_dir` is one word; accuracy = words read as their label / all.

    labels_tsv: `name<TAB>label` lines as `textsr.data.textzoom.write_labels` writes them (name = the HR file name,
    e.g. `easy_000000001.png`); an image is found by that file name, else by its stem (an SR output is
    `<stem>.png`). Every labelled word counts, whatever its label, as TSRN's test does. Writes out_json (recognizer,
    n_words, n_correct, accuracy, char_accuracy, words [{name, gt, read, confidence, correct, char_accuracy}], e2e
    fields null) and returns it.
    """
    from textsr.data.textzoom import read_labels

    t0 = time.perf_counter()
    name = get_recognizer(recognizer).name  # an unknown name fails before any image is read
    labels = read_labels(labels_tsv)
    files = list_images(images_dir)
    by_name = {p.name: p for p in files}
    by_stem = images_by_stem(images_dir)
    found = {name: by_name.get(name) or by_stem.get(Path(name).stem) for name in labels}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(f"{labels_tsv}: {len(missing)} labelled word(s) have no image in {images_dir}: "
                                + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""))
    paths = list(found.values())
    unlabelled = len(files) - len(set(paths))
    if unlabelled:
        log.warning("%s: %d image(s) without a label in %s are not scored", images_dir, unlabelled, labels_tsv)
    readings = _read_images(paths, recognizer, weights, threads, device, batch_size)
    records = [{"name": name, "gt": label} for name, label in labels.items()]
    for record, reading in zip(records, readings):
        _score(record, reading)
    n_correct = sum(r["correct"] for r in records)
    result = {"recognizer": name, "images_dir": str(images_dir),
              "labels": str(labels_tsv), "n_words": len(records), "n_correct": n_correct,
              "accuracy": _ratio(n_correct, len(records)), "char_accuracy": _mean_char_accuracy(records),
              "words": records, "e2e_precision": None, "e2e_recall": None, "e2e_hmean": None}
    _dump(out_json, result)
    log.info("recognize %s with %s: %d/%d words read (accuracy %s), %.1f s", images_dir, recognizer, n_correct,
             len(records), result["accuracy"], time.perf_counter() - t0)
    return result


def recognize_folder(
    input_dir: str | os.PathLike,
    out_tsv: str | os.PathLike,
    *,
    weights: str | os.PathLike,
    recognizer: str = DEFAULT_RECOGNIZER,
    threads: int = 1,
    device: str = "auto",
    batch_size: int | None = None,
) -> dict:
    """Read every image of `input_dir` as one word crop with `recognizer`; write `name<TAB>text` lines sorted by
    file name.

    The text is escaped as labels.tsv is (backslash, tab, newline: `textsr.data.textzoom.escape_label`).
    Returns {"n_images", "seconds"}.
    """
    from textsr.data.textzoom import escape_label

    t0 = time.perf_counter()
    files = sorted(list_images(input_dir), key=lambda p: p.name)
    readings = _read_images(files, recognizer, weights, threads, device, batch_size)
    write_text_atomic(out_tsv, "".join(f"{p.name}\t{escape_label(r.text)}\n" for p, r in zip(files, readings)))
    return {"n_images": len(files), "seconds": round(time.perf_counter() - t0, 3)}
