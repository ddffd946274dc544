"""Recognition measures: word crops, reading rendered and real words, end-to-end spotting, TextZoom, the CLI, the
recognizer registry (PP-OCRv6 small by default, english_g2 by name) and the near-miss score char_accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import needs_samples
from textsr.data.gt import read_icdar2015_gt, read_totaltext_gt
from textsr.data.textzoom import write_labels
from textsr.util.imageio import read_image
from textsr.recognition.crops import (crop_region, expand_quad, four_point_transform, min_area_quad, polygon_sides,
                                      region_quad)
from textsr.recognition.measure import e2e_counts, recognize_testset, recognize_word_images
from textsr.recognition.ppocr import rec_weights_source
from textsr.recognition.preprocess import align, resize_to_height, to_gray
from textsr.recognition.reader import WordReader
from textsr.recognition.recognizers import DEFAULT_RECOGNIZER, RECOGNIZERS, get_recognizer, install_weights
from textsr.recognition.text import Reading, char_accuracy, levenshtein, normalize_text, words_match
from textsr.recognition.weights import recognizer_weights_source
from textsr.util.onnx import ChecksumError

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
G2 = "english_g2"
RED, GREEN = (200, 0, 0), (0, 102, 0)  # BT.601 luma 0.299 * 200 = 59.8 and 0.587 * 102 = 59.9: both grey 60


@pytest.fixture(scope="module")
def g2(torch_one_thread):
    try:
        return recognizer_weights_source()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def reader(g2):
    return WordReader(g2)


@pytest.fixture(scope="module")
def pp():
    """PP-OCRv6_rec_small.onnx in the installed rapidocr wheel."""
    try:
        return rec_weights_source()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


def render(word: str, size: int = 28, bg: int = 235, fg: int = 25, font: Path = FONT) -> np.ndarray:
    """A grey uint8 crop of `word` with a few pixels of margin."""
    f = ImageFont.truetype(str(font), size)
    left, top, right, bottom = f.getbbox(word)
    im = Image.new("L", (right - left + 8, bottom - top + 8), bg)
    ImageDraw.Draw(im).text((4 - left, 4 - top), word, font=f, fill=fg)
    return np.asarray(im)


# --- crops -------------------------------------------------------------------------------------------------------

def test_perspective_crop_of_a_quad_gives_the_interpolated_pixels():
    y, x = np.mgrid[0:8, 0:10]
    image = (x + 10 * y).astype(np.uint8)
    quad = np.array([[2, 1], [6, 1], [6, 4], [2, 4]], dtype=np.float32)
    # width int(4) = 4, height int(3) = 3; corners to (0,0), (3,0), (3,2), (0,2), so output pixel (u, v) samples
    # x = 2 + 4u/3, y = 1 + 3v/2, where the image is x + 10 y = 12 + 1.33 u + 15 v (bilinear is exact on it)
    expected = [[12, 13, 15, 16], [27, 28, 30, 31], [42, 43, 45, 46]]
    assert four_point_transform(image, quad).tolist() == expected
    # a counter-clockwise quad is read clockwise from the same first corner, not mirrored
    assert crop_region(image, quad[[0, 3, 2, 1]]).tolist() == expected
    # coordinates are scaled before cropping (HR boxes on an LR image)
    assert crop_region(image, quad * 2, scale=0.5).tolist() == expected
    assert crop_region(image, np.array([[2, 1], [3, 1], [3, 1], [2, 1]])) is None  # under 2 px: unreadable


def test_readtext_margin_widens_each_side_by_a_tenth_of_the_short_side_in_whole_pixels():
    quad = np.array([[10, 20], [50, 20], [50, 32], [10, 32]], dtype=np.float32)  # 40 x 12: int(1.2) = 1 px
    assert expand_quad(quad).tolist() == [[9, 19], [51, 19], [51, 33], [9, 33]]
    assert expand_quad(quad * 0.25).tolist() == (quad * 0.25).tolist()  # 10 x 3 on an LR image: int(0.3) = 0
    # 50 x 10, turned: u = (0.6, 0.8), v = (-0.8, 0.6), 1 px out: TL - (u + v), TR + (u - v), BR + (u + v), BL - (u - v)
    tilted = np.array([[0, 0], [30, 40], [22, 46], [-8, 6]], dtype=np.float32)
    assert np.allclose(expand_quad(tilted), [[0.2, -1.4], [31.4, 40.2], [21.8, 47.4], [-9.4, 5.8]])
    image = np.zeros((40, 60), dtype=np.uint8)
    assert crop_region(image, quad).shape == (14, 42) and crop_region(image, quad, margin=0).shape == (12, 40)


def test_a_polygon_off_the_top_then_bottom_convention_falls_back_to_its_min_area_rectangle():
    six = np.array([[2, 1], [4, 1], [6, 1], [6, 4], [4, 4], [2, 4]])
    assert region_quad(six).tolist() == [[2, 1], [6, 1], [6, 4], [2, 4]]
    # a tall box: its long side becomes the width, read top to bottom (text top on the image's right side)
    assert min_area_quad(np.array([[2, 1], [5, 1], [5, 9], [2, 9]])).tolist() == [[5, 1], [5, 9], [2, 9], [2, 1]]
    assert polygon_sides(six[:5]) is None  # odd count
    assert polygon_sides(six[[0, 1, 2, 4, 3, 5]]) is None  # a band that crosses itself
    image = np.arange(120, dtype=np.uint8).reshape(10, 12)
    assert crop_region(image, six[[0, 1, 2, 4, 3, 5]], margin=0).shape == (3, 4)  # the 4 x 3 rectangle's warp


def test_a_polygon_is_straightened_band_by_band_one_pixel_apart():
    yy, xx = np.mgrid[0:10, 0:12]
    image = (10 * xx + yy).astype(np.uint8)
    six = np.array([[2, 1], [4, 1], [6, 1], [6, 4], [4, 4], [2, 4]])  # a 4 x 3 rectangle as a 6-point polygon
    expected = [[21, 31, 41, 51, 61], [22, 32, 42, 52, 62], [23, 33, 43, 53, 63], [24, 34, 44, 54, 64]]
    assert crop_region(image, six, margin=0).tolist() == expected
    assert crop_region(image, six[[0, 5, 4, 3, 2, 1]], margin=0).tolist() == expected  # counter-clockwise
    # a ring of ink (radii 66-74 around (120, 150)) under an arched polygon (radii 60-80, 150 to 30 degrees, 8
    # cross-sections): straightened, the ink runs along rows 6-10 of 21 (80 - 74 = 6 px below the top) in every
    # column and rows 0-3 and 14-20 stay blank; its min-area rectangle has no row with ink in every column
    yy, xx = np.mgrid[0:200, 0:240]
    radius = np.hypot(xx - 120, yy - 150)
    ring = np.where((radius >= 66) & (radius <= 74), 255, 0).astype(np.uint8)
    angles = np.deg2rad(np.linspace(150, 30, 8))
    arc = lambda r: np.stack([120 + r * np.cos(angles), 150 - r * np.sin(angles)], axis=1)
    arch = np.vstack([arc(80), arc(60)[::-1]])
    strip = crop_region(ring, arch, margin=0)
    assert strip.shape == (21, 148)  # 20 px high; (167.6 + 125.7) / 2 px long, less the chords' shortfall
    assert (strip[6:11] == 255).all() and (strip[:4] == 0).all() and (strip[14:] == 0).all()
    assert (four_point_transform(ring, min_area_quad(arch)) < 255).any(axis=1).all()
    # the margin: int(0.1 * min(146.5, 20)) = 2 px out at the top, bottom and ends
    assert crop_region(ring, arch).shape == (25, 152)


def test_model_input_is_height_64_scaled_to_minus_one_one_and_padded_with_the_last_column():
    crop = np.tile(np.array([0, 255], dtype=np.uint8), (16, 8))  # 16 x 16, columns alternate black / white
    resized, ratio = resize_to_height(crop)
    assert resized.shape == (64, 64) and ratio == 1.0
    tensor = align(resized, 128)
    assert tensor.shape == (1, 64, 128) and tensor.dtype == np.float32
    assert tensor.min() == -1.0 and tensor.max() == 1.0
    assert np.array_equal(tensor[0, :, 64:], np.repeat(tensor[0, :, 63:64], 64, axis=1))
    tall, ratio = resize_to_height(np.zeros((40, 10), dtype=np.uint8))
    assert tall.shape == (256, 64) and ratio == 4.0  # EasyOCR: a tall crop becomes 64 px wide


# --- reading -----------------------------------------------------------------------------------------------------

def test_rendered_words_read_exactly_at_any_batch_size(reader):
    words = ["Hello", "WORLD", "benchmark", "2024", "Theatre", "fusionopolis"]
    crops = [render(w) for w in words]
    one = reader.read(crops, batch_size=1)
    assert [r.text for r in one] == words
    many = reader.read(crops, batch_size=64)
    assert [r.text for r in many] == words
    assert max(abs(a.confidence - b.confidence) for a, b in zip(one, many)) < 1e-4
    assert reader.read([None]) == [("", 0.0)]


# Official EasyOCR (JaidedAI/EasyOCR @ c4f3cd7, recognition.get_text with the float model, get_image_list's
# four_point_transform on the bare GT quad, greedy, contrast_ths 0.1 / adjust_contrast 0.5) read these crops of
# the IC15 samples exactly so; this implementation reads the same strings. Only 1 of the 8 legible words ("[06]")
# is right after normalisation, with or without the readtext margin: the words are 13-45 px high, blurred and
# JPEG-compressed, and EasyOCR's own readtext on CRAFT boxes misreads them too ("Gentatn Inealre", "Catpan",
# "Eat", "FF", "furionopolir").
IC15_OFFICIAL = [
    ("img_1", "Genaxis Theatre", "KenatIneatro"), ("img_1", "[06]", "(06]"), ("img_1", "62-03", "[0z-031 0"),
    ("img_1", "Carpark", "Campan"), ("img_2", "EXIT", "But"), ("img_2", "I2R", "FR"),
    ("img_3", "fusionopolis", "furionopolir"), ("img_3", "fusionopolis", 'hunoxv"'),
]


@needs_samples
def test_ic15_sample_words_read_as_official_easyocr_reads_them(reader, samples):
    root = samples / "icdar2015"
    bare, widened, labels = [], [], []
    for stem in ("img_1", "img_2", "img_3", "img_4"):
        gray = to_gray(read_image(root / "ch4_training_images" / f"{stem}.jpg"))
        for region in read_icdar2015_gt(root / "ch4_training_localization_transcription_gt" / f"gt_{stem}.txt"):
            if not region.dontcare:
                bare.append(crop_region(gray, region.points, margin=0))
                widened.append(crop_region(gray, region.points))
                labels.append((stem, region.text))
    readings = [r.text for r in reader.read(bare, batch_size=8)]
    assert list(zip(*zip(*labels), readings)) == IC15_OFFICIAL
    assert sum(words_match(t, r) for (_, t), r in zip(labels, readings)) == 1  # of 8 legible words
    readings = [r.text for r in reader.read(widened, batch_size=8)]
    assert sum(words_match(t, r) for (_, t), r in zip(labels, readings)) == 1  # "[06]" again


def _edits(a: str, b: str) -> int:
    """Levenshtein distance between two normalised words (case-insensitive, alphanumeric only)."""
    return levenshtein(normalize_text(a), normalize_text(b))


@needs_samples
def test_totaltext_curved_words_read_closer_once_straightened(reader, samples):
    root = samples / "totaltext"
    gray = to_gray(read_image(root / "Images" / "Test" / "img3.jpg"))
    regions = read_totaltext_gt(root / "Groundtruth" / "Polygon" / "Test" / "poly_gt_img3.mat")
    labels = [r.text for r in regions]
    straight = [r.text for r in reader.read([crop_region(gray, r.points) for r in regions])]
    boxed = [r.text for r in reader.read([four_point_transform(gray, expand_quad(region_quad(r.points)))
                                          for r in regions])]
    # KELUAR is a 4-point quad (same crop both ways); the other three are 6- and 8-point arches
    assert straight == ["KELUH", "naugnty", "NURS", "Testaucant"]
    assert boxed == ["KELUH", "7aught>", "NURs", "restaur3//"]
    assert sum(words_match(t, r) for t, r in zip(labels, straight)) == 1  # of 4 legible words: NURS
    assert [_edits(t, r) for t, r in zip(labels, straight)] == [2, 1, 0, 2]
    assert [_edits(t, r) for t, r in zip(labels, boxed)] == [2, 2, 0, 3]


# --- test-set measures -------------------------------------------------------------------------------------------

def _scene(tmp_path: Path) -> dict:
    """A 640x240 scene with "HOTEL", "42", a don't-care scribble; IC15 GT; detections; the official evaluation."""
    from textsr.evaluation import evaluate_to_json

    im = Image.new("RGB", (640, 240), (230, 230, 225))
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(str(FONT), 56)
    boxes = []
    for (x, y), word in (((40, 40), "HOTEL"), ((420, 40), "42")):
        left, top, right, bottom = draw.textbbox((x, y), word, font=font)
        draw.text((x, y), word, font=font, fill=(30, 30, 60))
        boxes.append((left - 6, top - 6, right + 6, bottom + 6))
    boxes.append((420, 150, 560, 210))  # ###
    draw.line((430, 180, 550, 185), fill=(90, 90, 90), width=3)
    quad = lambda b: f"{b[0]},{b[1]},{b[2]},{b[1]},{b[2]},{b[3]},{b[0]},{b[3]}"
    gt_dir, det_dir, hr_dir = tmp_path / "gt", tmp_path / "det", tmp_path / "hr"
    for d in (gt_dir, det_dir, hr_dir):
        d.mkdir()
    (gt_dir / "gt_scene.txt").write_text(f"{quad(boxes[0])},HOTEL\n{quad(boxes[1])},42\n{quad(boxes[2])},###\n")
    dets = [(boxes[0][0] + 3, boxes[0][1] + 2, boxes[0][2] - 2, boxes[0][3]), boxes[1], (40, 160, 200, 220)]
    (det_dir / "res_scene.txt").write_text("".join(quad(b) + "\n" for b in dets))
    im.save(hr_dir / "scene.png")
    bad = im.copy()  # a condition that lost the "42"
    ImageDraw.Draw(bad).rectangle(boxes[1], fill=(230, 230, 225))
    (tmp_path / "bad").mkdir()
    bad.save(tmp_path / "bad" / "scene.png")
    (tmp_path / "lr").mkdir()
    im.resize((320, 120), Image.BICUBIC).save(tmp_path / "lr" / "scene.png")
    result = evaluate_to_json("icdar2015", gt_dir, det_dir, tmp_path / "eval.json")
    assert (result["n_gt"], result["n_det"], result["n_matched"]) == (2, 3, 2)
    return {"gt": gt_dir, "eval": tmp_path / "eval.json", "root": tmp_path}


def test_testset_accuracy_and_end_to_end_spotting(g2, tmp_path):
    s = _scene(tmp_path)
    out = recognize_testset(s["root"] / "hr", s["gt"], "icdar2015", s["eval"], tmp_path / "hr.json", weights=g2,
                            recognizer=G2)
    assert out["recognizer"] == G2 and out["char_accuracy"] == 1.0
    assert (out["n_words"], out["n_correct"], out["accuracy"]) == (2, 2, 1.0)  # the ### region is not a word
    assert [(w["gt"], w["read"]) for w in out["words"]] == [("HOTEL", "HOTEL"), ("42", "42")]
    # both matched detections read correctly: TP 2 of 3 care detections and 2 care GT; H = 2 (2/3)(1) / (5/3) = 0.8
    assert (out["e2e_tp"], out["e2e_precision"], out["e2e_recall"]) == (2, pytest.approx(2 / 3), 1.0)
    assert out["e2e_hmean"] == pytest.approx(0.8)
    assert json.loads((tmp_path / "hr.json").read_text())["n_correct"] == 2

    bad = recognize_testset(s["root"] / "bad", s["gt"], "icdar2015", s["eval"], tmp_path / "b.json", weights=g2,
                            recognizer=G2)
    # "42" erased: 1 of 2 words; e2e TP 1: P = 1/3, R = 1/2, H = 2 (1/3)(1/2) / (5/6) = 0.4
    assert (bad["n_correct"], bad["accuracy"], bad["e2e_tp"]) == (1, 0.5, 1)
    assert bad["e2e_hmean"] == pytest.approx(0.4)

    # the x2-smaller image with HR coordinates scaled by 1/2 reads the same words
    lr = recognize_testset(s["root"] / "lr", s["gt"], "icdar2015", s["eval"], tmp_path / "l.json", weights=g2,
                           recognizer=G2, coord_scale=0.5)
    assert [w["read"] for w in lr["words"]] == ["HOTEL", "42"]

    no_eval = recognize_testset(s["root"] / "hr", s["gt"], "icdar2015", None, tmp_path / "n.json", weights=g2,
                                recognizer=G2)
    assert no_eval["e2e_hmean"] is None and no_eval["accuracy"] == 1.0


def test_several_detectors_read_the_words_once_and_spot_per_detector(g2, tmp_path):
    from textsr.evaluation import evaluate_to_json

    s = _scene(tmp_path)
    # a second detector that found only "HOTEL": TP 1 of 1 care detection, 2 care GT: P 1, R 1/2, H 2/3
    det2 = tmp_path / "det2"
    det2.mkdir()
    quad = (tmp_path / "det" / "res_scene.txt").read_text().splitlines()[0]
    (det2 / "res_scene.txt").write_text(quad + "\n")
    evaluate_to_json("icdar2015", s["gt"], det2, tmp_path / "eval2.json")
    out = recognize_testset(s["root"] / "hr", s["gt"], "icdar2015", {"craft": s["eval"], "db": tmp_path / "eval2.json"},
                            tmp_path / "both.json", weights=g2, recognizer=G2)
    assert (out["n_words"], out["n_correct"]) == (2, 2)  # the ground-truth words: once, whatever the detectors
    assert out["e2e"]["craft"]["e2e_hmean"] == pytest.approx(0.8)  # as with its file alone
    assert (out["e2e"]["db"]["e2e_tp"], out["e2e"]["db"]["e2e_hmean"]) == (1, pytest.approx(2 / 3))
    assert out["e2e_hmean"] == pytest.approx(0.8)  # the top-level fields: the first detector's
    from textsr.report.recognition import write_recognition_table

    keys = [{"dataset": "s", "detector": d, "scale": 1, "degradation": "none", "condition": "hr", "method": "",
             "trainset": "", "train_degradation": "", "seed": ""} for d in ("craft", "db")]
    rows = write_recognition_table([tmp_path / "both.json"] * 2, keys, tmp_path / "table.csv")
    assert [(r["detector"], r["accuracy"], r["e2e_hmean"]) for r in rows] == [("craft", "1.0000", "0.8000"),
                                                                              ("db", "1.0000", "0.6667")]
    with pytest.raises(ValueError, match="no end-to-end result for detector 'other'"):
        write_recognition_table([tmp_path / "both.json"], [{**keys[0], "detector": "other"}], tmp_path / "t.csv")


def test_an_evaluation_of_other_ground_truth_is_refused(g2, tmp_path):
    s = _scene(tmp_path)
    ev = json.loads(s["eval"].read_text())
    ev["per_image"]["scene"]["gt"][1][0][0] += 1  # one vertex moved: not the same GT
    (tmp_path / "other.json").write_text(json.dumps(ev))
    with pytest.raises(ValueError, match="gt_scene.txt does not line up"):
        recognize_testset(s["root"] / "hr", s["gt"], "icdar2015", tmp_path / "other.json", tmp_path / "x.json",
                          weights=g2, recognizer=G2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no image for 1 ground-truth file"):
        recognize_testset(tmp_path / "empty", s["gt"], "icdar2015", None, tmp_path / "x.json", weights=g2,
                          recognizer=G2)


def test_e2e_counts_each_gt_and_detection_once():
    pairs = [{"stem": "a", "gt_index": 0, "det_index": 0, "correct": True},
             {"stem": "a", "gt_index": 0, "det_index": 1, "correct": True},  # one-to-many: GT 0 already counted
             {"stem": "a", "gt_index": 1, "det_index": 2, "correct": True},
             {"stem": "a", "gt_index": 2, "det_index": 2, "correct": True},  # many-to-one: det 2 already counted
             {"stem": "a", "gt_index": 3, "det_index": 3, "correct": False},
             {"stem": "b", "gt_index": 0, "det_index": 0, "correct": True}]  # another image
    assert e2e_counts(pairs) == 3


def _word_folder(tmp_path: Path, words: list[str]) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    for i, word in enumerate(words, 1):
        Image.fromarray(render(word, 22)).convert("RGB").save(folder / f"easy_{i:09d}.png")
    return folder


def test_textzoom_accuracy_is_case_insensitive_alphanumeric(g2, tmp_path):
    folder = _word_folder(tmp_path, ["Hello", "world", "2024", "world"])
    labels = tmp_path / "labels.tsv"
    write_labels(labels, [("easy_000000001.png", "HELLO!"), ("easy_000000002.png", "World"),
                          ("easy_000000003.png", "20-24"), ("easy_000000004.png", "word")])
    out = recognize_word_images(folder, labels, tmp_path / "tz.json", weights=g2, recognizer=G2)
    assert (out["n_words"], out["n_correct"], out["accuracy"]) == (4, 3, 0.75)  # the 4th image shows "world"
    # "word" read as "world": one insertion in 5 characters, 1 - 1/5 = 0.8; mean (1 + 1 + 1 + 0.8) / 4 = 0.95
    assert [w["char_accuracy"] for w in out["words"]] == [1.0, 1.0, 1.0, 0.8]
    assert out["char_accuracy"] == pytest.approx(0.95) and out["recognizer"] == G2
    assert out["e2e_hmean"] is None
    write_labels(labels, [("easy_000000009.png", "x")])
    with pytest.raises(FileNotFoundError, match="labels.tsv: 1 labelled word"):
        recognize_word_images(folder, labels, tmp_path / "tz.json", weights=g2, recognizer=G2)


def test_cli_writes_name_tab_text_sorted_by_name(pp, tmp_path, capsys):
    """The CLI reads with the default recognizer (PP-OCRv6 small); its weights are passed by --weights."""
    from textsr.cli import main

    folder = tmp_path / "crops"
    folder.mkdir()
    Image.fromarray(render("zebra")).save(folder / "b.png")
    Image.fromarray(render("Apple")).save(folder / "a.png")
    out = tmp_path / "read.tsv"
    assert main(["recognize", "--input", str(folder), "--output", str(out), "--weights", str(pp),
                 "--threads", "1"]) == 0
    assert out.read_text() == "a.png\tApple\nb.png\tzebra\n"
    assert json.loads(capsys.readouterr().out)["n_images"] == 2
    assert main(["recognize", "--input", str(tmp_path / "nope"), "--output", str(out), "--weights", str(pp)]) == 2
    assert "image folder does not exist" in capsys.readouterr().err



def test_folder_reading_with_english_g2_by_name(g2, tmp_path):
    from textsr.recognition.measure import recognize_folder

    folder = tmp_path / "crops"
    folder.mkdir()
    Image.fromarray(render("zebra")).save(folder / "b.png")
    Image.fromarray(render("Apple")).save(folder / "a.png")
    assert recognize_folder(folder, tmp_path / "r.tsv", weights=g2, recognizer=G2)["n_images"] == 2
    assert (tmp_path / "r.tsv").read_text() == "a.png\tApple\nb.png\tzebra\n"


# --- near misses -------------------------------------------------------------------------------------------------

def test_char_accuracy_is_one_minus_normalised_edit_distance():
    # kitten -> sitting: k->s, e->i, insert g = 3 edits; the longer word has 7 letters: 1 - 3/7 = 4/7
    assert levenshtein("kitten", "sitting") == levenshtein("sitting", "kitten") == 3
    assert char_accuracy("kitten", "sitting") == pytest.approx(4 / 7)
    assert levenshtein("flaw", "lawn") == 2  # delete f, insert n
    assert char_accuracy("flaw", "lawn") == pytest.approx(0.5)  # 1 - 2/4
    # normalised first: "Hotel!" / "HOTEL" -> "hotel" / "hotel"; "62-03" / "6203x" -> 1 insertion of 5: 0.8
    assert char_accuracy("Hotel!", "HOTEL") == 1.0
    assert char_accuracy("62-03", "6203x") == pytest.approx(0.8)
    assert char_accuracy("EXIT", "") == 0.0  # nothing read: 4 deletions of 4
    assert char_accuracy("###", "--") == 1.0  # both empty after normalisation
    assert char_accuracy("abc", "xyz") == 0.0  # 3 substitutions of 3


# --- recognizers -------------------------------------------------------------------------------------------------

def test_the_registry_names_two_recognizers_and_ppocr_is_the_default(tmp_path):
    assert DEFAULT_RECOGNIZER == "ppocrv6_small" and list(RECOGNIZERS) == ["ppocrv6_small", "english_g2"]
    pp_entry, g2_entry = get_recognizer("ppocrv6_small"), get_recognizer(G2)
    assert (pp_entry.filename, pp_entry.colour, pp_entry.batch_size) == ("PP-OCRv6_rec_small.onnx", True, 6)
    assert (g2_entry.filename, g2_entry.colour, g2_entry.batch_size) == ("english_g2.pth", False, 32)
    assert Reading("a", 0.5) == ("a", 0.5)
    with pytest.raises(ValueError, match="unknown recognizer 'g3'; known: ppocrv6_small, english_g2"):
        get_recognizer("g3")


def test_install_weights_copies_the_named_recognizers_checkpoint(pp, tmp_path):
    dest = install_weights("ppocrv6_small", tmp_path / "w" / "PP-OCRv6_rec_small.onnx")
    assert dest.stat().st_size == 21_234_383
    with pytest.raises(ChecksumError):  # an md5 check guards the path: english_g2's file is not PP-OCR's
        get_recognizer("ppocrv6_small").build(recognizer_weights_source(), 1, "cpu")


def _colour_word(word: str, size: int = 32, fg=RED, bg=GREEN) -> np.ndarray:
    """An RGB crop of `word`, fg on bg (by default the same grey level: the word vanishes in grey)."""
    f = ImageFont.truetype(str(FONT), size)
    left, top, right, bottom = f.getbbox(word)
    im = Image.new("RGB", (right - left + 12, bottom - top + 12), bg)
    ImageDraw.Draw(im).text((6 - left, 6 - top), word, font=f, fill=fg)
    return np.asarray(im)


def test_ppocr_reads_colour_word_images_that_are_blank_in_grey(pp, g2, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    crops = [_colour_word("Garden"), _colour_word("Market", fg=(30, 30, 60), bg=(235, 230, 220))]
    for i, crop in enumerate(crops, 1):
        Image.fromarray(crop).save(folder / f"easy_{i:09d}.png")
    assert np.ptp(to_gray(crops[0])) <= 1  # red 59.8 on green 59.9: grey 60 (59 at anti-aliased edges)
    labels = tmp_path / "labels.tsv"
    write_labels(labels, [("easy_000000001.png", "garden"), ("easy_000000002.png", "MARKET")])
    out = recognize_word_images(folder, labels, tmp_path / "pp.json", weights=pp, threads=1)  # default: PP-OCR
    assert out["recognizer"] == "ppocrv6_small"
    assert [w["read"] for w in out["words"]] == ["Garden", "Market"]
    assert (out["accuracy"], out["char_accuracy"]) == (1.0, 1.0)
    assert json.loads((tmp_path / "pp.json").read_text())["recognizer"] == "ppocrv6_small"
    grey = recognize_word_images(folder, labels, tmp_path / "g2.json", weights=g2, recognizer=G2)
    assert grey["words"][0]["read"] != "Garden" and grey["words"][1]["read"] == "Market"  # grey crops


def test_ppocr_testset_crops_the_colour_scene(pp, tmp_path):
    s = _scene(tmp_path)
    out = recognize_testset(s["root"] / "hr", s["gt"], "icdar2015", s["eval"], tmp_path / "hr.json", weights=pp)
    assert out["recognizer"] == "ppocrv6_small"
    assert [(w["gt"], w["read"]) for w in out["words"]] == [("HOTEL", "HOTEL"), ("42", "42")]
    assert out["e2e_hmean"] == pytest.approx(0.8)  # as english_g2: TP 2, P 2/3, R 1
    bad = recognize_testset(s["root"] / "bad", s["gt"], "icdar2015", s["eval"], tmp_path / "b.json", weights=pp)
    # "42" erased and read as "": char accuracy 1 (HOTEL) and 1 - 2/2 = 0, mean 0.5
    assert (bad["accuracy"], bad["char_accuracy"], bad["e2e_hmean"]) == (0.5, 0.5, pytest.approx(0.4))
    # the "42" repainted red on green of one grey level: PP-OCR still reads it from the colour crop
    im = Image.open(s["root"] / "hr" / "scene.png")
    draw = ImageDraw.Draw(im)
    box = [int(v) for v in (s["gt"] / "gt_scene.txt").read_text().splitlines()[1].split(",")[:8]]
    draw.rectangle((box[0], box[1], box[4], box[5]), fill=GREEN)
    draw.text((420, 40), "42", font=ImageFont.truetype(str(FONT), 56), fill=RED)
    (tmp_path / "iso").mkdir()
    im.save(tmp_path / "iso" / "scene.png")
    iso = recognize_testset(tmp_path / "iso", s["gt"], "icdar2015", None, tmp_path / "i.json", weights=pp)
    assert [w["read"] for w in iso["words"]] == ["HOTEL", "42"]


def test_cli_installs_the_chosen_recognizers_weights_when_none_are_given(tmp_path, monkeypatch, capsys):
    """Without --weights, the named recognizer's checkpoint is installed (md5-checked) into the weights folder of the
    working directory and read with; english_g2 reads the rendered word as well."""
    from textsr.cli import main
    from textsr.data.weights import RECOGNIZER, WEIGHTS_DIR

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "crops"
    folder.mkdir()
    Image.fromarray(render("Apple")).save(folder / "a.png")
    out = tmp_path / "read.tsv"
    assert main(["recognize", "--recognizer", "english_g2", "--input", str(folder), "--output", str(out),
                 "--threads", "1"]) == 0
    assert (tmp_path / WEIGHTS_DIR / RECOGNIZER.file).is_file()
    assert out.read_text() == "a.png\tApple\n"
