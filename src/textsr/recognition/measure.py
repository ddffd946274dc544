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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
    import torch  # only a torch recognizer (english_g2) needs it: PP-OCR jobs start without it

    old = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _read(rec: Recognizer, crops: list, weights: str | os.PathLike, threads: int, device: str,
          batch_size: int | None, names: list[str] | None = None) -> list[Reading]:
    """Build `rec`'s reader and read `crops` (colour or grey, as rec.colour); names label bad crops (PP-OCR)."""
    return _read_groups(rec, [crops], weights, threads, device, batch_size, names and [names])[0]


def _read_groups(rec: Recognizer, groups: list[list], weights: str | os.PathLike, threads: int, device: str,
                 batch_size: int | None, names: list[list[str]] | None = None) -> list[list[Reading]]:
    """Build `rec`'s reader once and read each group of crops on its own (a reading never depends on the crops of
    another group: PP-OCR pads a batch to its widest crop)."""
    batch = rec.batch_size if batch_size is None else batch_size
    if not rec.torch:
        reader = rec.build(weights, threads, device)
        return [reader.read(g, batch_size=batch, names=n) for g, n in zip(groups, names or [None] * len(groups))]
    with _torch_threads(threads):
        reader = rec.build(weights, threads, device)
        return [reader.read(g, batch_size=batch) for g in groups]


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
    eval_json: str | os.PathLike | Mapping[str, str | os.PathLike] | None,
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
    pixels; `per_image[stem]` with gt, det, det_dontcare, matches), or {detector name: such a file} for several
    detectors of the same images (the ground-truth words are read once), or None to skip end-to-end spotting.
    coord_scale: ground-truth and detection coordinates (HR pixels) are multiplied by it before cropping (1/4 for
    the `lr` condition of x4, whose images are LR). margin: every crop is widened as EasyOCR's readtext widens a
    detected box (`textsr.recognition.crops.expand_quad`; 0: the bare region).

    Word accuracy: every `scorable` GT word, rectified from its region (`crop_region`), correct when the reading
    matches its transcription (`words_match`); crops are cut from the colour image for a colour recognizer, from
    its grey version otherwise. End-to-end: a matched (gt, det) pair of the evaluation is a true
    positive when the detection's crop reads as the GT's transcription (`e2e_counts`); precision = TP / the
    protocol's care detections (n_det), recall = TP / its care GT (n_gt), as fractions.
    Writes out_json (recognizer, n_words, n_correct, accuracy, char_accuracy, words; `e2e`: {detector: {e2e_tp,
    e2e_n_gt, e2e_n_det, e2e_precision, e2e_recall, e2e_hmean, e2e_pairs, eval_json}} (detector "" for a single
    file); and the first evaluation's e2e_* fields at the top level, null without one) and returns it.
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
    sources = {"": eval_json} if isinstance(eval_json, (str, os.PathLike)) else dict(eval_json or {})
    evaluations = {name: _load_evaluation(path, gt_paths, gt_dir) for name, path in sources.items()}
    words, pairs = _Pending([], []), {name: _Pending([], []) for name in evaluations}
    for stem, gt_path in sorted(gt_paths.items(), key=lambda kv: kv[1].name):
        records = {name: (e["per_image"].get(stem), pairs[name], sources[name]) for name, e in evaluations.items()}
        _crop_image(spec.read_gt(gt_path), records, images[stem], stem, words, coord_scale=coord_scale,
                    margin=margin, gt_path=gt_path, colour=rec.colour)
    pending = [words, *pairs.values()]
    for group, readings in zip(pending, _read_groups(rec, [p.crops for p in pending], weights, threads, device,
                                                     batch_size)):
        for record, reading in zip(group.records, readings):
            _score(record, reading)
    n_correct = sum(r["correct"] for r in words.records)
    e2e = {name: _e2e(evaluations[name], pairs[name].records, sources[name]) for name in evaluations}
    first = next(iter(e2e.values()), {k: None for k in E2E_FIELDS} | {"e2e_pairs": [], "eval_json": None})
    result = {
        "recognizer": rec.name, "protocol": spec.name, "images_dir": str(images_dir), "gt_dir": str(gt_dir),
        "coord_scale": coord_scale, "margin": margin,
        "n_images": len(gt_paths), "n_words": len(words.records), "n_correct": n_correct,
        "accuracy": _ratio(n_correct, len(words.records)),
        "char_accuracy": _mean_char_accuracy(words.records), "words": words.records, **first, "e2e": e2e,
    }
    _dump(out_json, result)
    log.info("recognize %s with %s: %d/%d words read (accuracy %s), e2e H-mean %s, %.1f s", images_dir, rec.name,
             n_correct, len(words.records), result["accuracy"],
             {name: v["e2e_hmean"] for name, v in e2e.items()}, time.perf_counter() - t0)
    return result


#: the end-to-end counts and fractions of one evaluation
E2E_FIELDS = ("e2e_tp", "e2e_n_gt", "e2e_n_det", "e2e_precision", "e2e_recall", "e2e_hmean")


def _e2e(evaluation: dict, pair_records: list[dict], eval_json) -> dict:
    """End-to-end spotting of one evaluation from its read (gt, det) pairs."""
    tp, n_gt, n_det = e2e_counts(pair_records), int(evaluation["n_gt"]), int(evaluation["n_det"])
    p, r = ratio(tp, n_det), ratio(tp, n_gt)
    return {"e2e_tp": tp, "e2e_n_gt": n_gt, "e2e_n_det": n_det, "e2e_precision": p, "e2e_recall": r,
            "e2e_hmean": hmean(p, r), "e2e_pairs": pair_records, "eval_json": str(eval_json)}


def _load_evaluation(eval_json: str | os.PathLike, gt_paths: dict[str, Path], gt_dir: str | os.PathLike) -> dict:
    """One evaluation JSON; every image it scores must have ground truth in gt_dir."""
    with open(eval_json, encoding="utf-8") as fh:
        evaluation = json.load(fh)
    unknown = sorted(set(evaluation.get("per_image", {})) - set(gt_paths))
    if unknown:
        raise ValueError(f"{eval_json}: images {unknown[:5]} have no ground truth in {gt_dir}")
    return evaluation


def _crop_image(regions: list[GTRegion], records: Mapping[str, tuple[dict | None, _Pending, object]], image: Path,
                stem: str, words: _Pending, *, coord_scale: float, margin: float, gt_path: Path,
                colour: bool) -> None:
    """Append one image's crops: its `scorable` GT words to `words`, and for each evaluation (records: name ->
    (its `per_image` entry or None, its pending pairs, its file)) the detections of its matched (gt, det) pairs;
    the image is read once, only when needed, and cropped in RGB (colour) or grey."""
    for record, _, eval_json in records.values():
        if record is not None:
            _check_alignment(regions, record, gt_path, eval_json)
    wanted = [k for k, r in enumerate(regions) if scorable(r)]
    if not wanted and not any(record and record.get("matches") for record, _, _ in records.values()):
        return
    pixels = read_image(image) if colour else to_gray(read_image(image))
    for k in wanted:
        words.crops.append(crop_region(pixels, regions[k].points, coord_scale, margin))
        words.records.append({"stem": stem, "index": k, "gt": regions[k].text})
    for record, pairs, _ in records.values():
        for g, d in (record or {}).get("matches", []):
            pairs.crops.append(crop_region(pixels, np.asarray(record["det"][d], dtype=np.float64), coord_scale,
                                           margin))
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
