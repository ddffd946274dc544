"""CRAFT pre-/post-processing on hand-computed cases, result files, and equality with the official code's boxes
(the reference model and the folded, channels-last fp32 model that detect_folder runs, on every fixture)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import needs_samples

from textsr.util.checkpoint import CheckpointError
from textsr.inference.detect import (
    boxes_from_scores,
    detect_folder,
    detect_image,
    detections_from_maps,
    format_detections,
    normalize_mean_variance,
    polygons_from_scores,
    resize_aspect_ratio,
    score_maps,
)
from textsr.inference.lines import merge_lines
from textsr.util.imageio import ImageReadError, read_image, write_png
from textsr.models.craft import fold_for_inference

OFFICIAL = Path(__file__).parent / "data" / "craft_official_boxes.json"


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    # 1 thread: on a shared 2-core machine 2 threads make small images several times slower. The fixture was made
    # with 2 threads; the thread count changes the score maps' last bits (~3e-7) but not one of its boxes
    yield


# ------------------------------------------------------------------------------------------------ pre-processing


@pytest.mark.parametrize(
    "height, width, ratio, resized_hw, canvas_hw",
    [
        # 320x240: long side 320 * 1.5 = 480 <= 1280 -> ratio 1.5 -> 360x480 (h x w); 360 is not a multiple of 32:
        # 360 + (32 - 360 % 32) = 360 + 24 = 384; 480 = 15 * 32 stays -> canvas 384 x 480 (W x H: 480x384)
        (240, 320, 1.5, (360, 480), (384, 480)),
        # 1280x720: 1.5 * 1280 = 1920 > 1280 -> capped, ratio 1.0 -> 720x1280, canvas 736 (= 23 * 32) x 1280
        (720, 1280, 1.0, (720, 1280), (736, 1280)),
        # 250x170: target 375, ratio 1.5 -> 255x375 -> canvas 256 x 384
        (170, 250, 1.5, (255, 375), (256, 384)),
        # 333x100: target 499.5, ratio 1.5 -> h 150, w int(499.5) = 499 (truncated) -> canvas 160 x 512
        (100, 333, 1.5, (150, 499), (160, 512)),
        # 1600x1200: capped at 1280, ratio 0.8 -> 960x1280 (both multiples of 32) -> canvas 960 x 1280
        (1200, 1600, 0.8, (960, 1280), (960, 1280)),
    ],
)
def test_resize_aspect_ratio_sizes(height, width, ratio, resized_hw, canvas_hw):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    canvas, got_ratio, heatmap = resize_aspect_ratio(image, 1280, 1.5)
    assert got_ratio == ratio
    assert canvas.shape == (*canvas_hw, 3) and canvas.dtype == np.float32
    assert heatmap == (canvas_hw[1] // 2, canvas_hw[0] // 2)  # (w, h) of the score maps
    h, w = resized_hw
    expected = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(canvas[:h, :w], expected)
    assert not canvas[h:].any() and not canvas[:, w:].any()  # zero padding bottom and right


def test_normalize_mean_variance_imagenet_on_0_255():
    image = np.array([[[0, 0, 0], [255, 255, 255]]], dtype=np.float32)
    out = normalize_mean_variance(image)
    # 0 -> -mean/std: -0.485/0.229 = -2.11790, -0.456/0.224 = -2.03571, -0.406/0.225 = -1.80444
    np.testing.assert_allclose(out[0, 0], [-2.117904, -2.035714, -1.804444], atol=1e-5)
    # 255 -> (1 - mean)/std: 0.515/0.229 = 2.24891, 0.544/0.224 = 2.42857, 0.594/0.225 = 2.64
    np.testing.assert_allclose(out[0, 1], [2.248908, 2.428571, 2.64], atol=1e-5)
    assert out.dtype == np.float32


# ----------------------------------------------------------------------------------------------- post-processing


def maps(h: int = 40, w: int = 64) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)


def test_rectangle_word_is_dilated_and_boxed():
    region, affinity = maps()
    region[10:15, 20:40] = 0.9  # 5 rows x 20 cols, area 100
    # niter = int(sqrt(100 * min(20, 5) / (20 * 5)) * 2) = int(2 sqrt(5)) = int(4.47) = 4 -> 5x5 kernel, +-2 px:
    # pixels x 18..41, y 8..16 -> min-area rectangle of those pixel centres, clockwise from the top-left
    (box,) = boxes_from_scores(region, affinity)
    np.testing.assert_array_equal(box, [[18, 8], [41, 8], [41, 16], [18, 16]])
    assert box.dtype == np.float32


def test_link_pixels_join_words_but_are_removed_before_dilation():
    region, affinity = maps()
    region[10:15, 10:20] = 0.9
    region[10:15, 25:35] = 0.9
    affinity[9:16, 20:25] = 0.8  # link-only pixels, one row taller than the words on each side
    # one component: area 50 + 50 + 35 = 135, bbox 25 x 7 -> niter = int(2 sqrt(135 * 7 / 175)) = int(4.65) = 4
    # link-only pixels are dropped, words dilated by +-2: x 8..36, y 8..16 (with the links it would be y 7..17)
    (box,) = boxes_from_scores(region, affinity)
    np.testing.assert_array_equal(box, [[8, 8], [36, 8], [36, 16], [8, 16]])


def test_square_word_gives_axis_aligned_box():
    region, affinity = maps()
    region[10:20, 10:20] = 0.9  # area 100, niter = int(2 sqrt(100 * 10 / 100)) = int(6.32) = 6 -> 7x7, +-3
    (box,) = boxes_from_scores(region, affinity)
    np.testing.assert_array_equal(box, [[7, 7], [22, 7], [22, 22], [7, 22]])


def test_diagonal_word_gives_rotated_clockwise_box():
    region, affinity = maps()
    for t in range(10, 30):  # 2-px staircase along the diagonal (4-connected): pixels (t, t) and (t + 1, t)
        region[t, t] = region[t, t + 1] = 0.9
    # area 40, bbox 21 x 20 -> niter = int(2 sqrt(40 * 20 / 420)) = int(2.76) = 2 -> 3x3 kernel, +-1.
    # Dilated pixels: s = x + y in [18, 61], d = x - y in [-2, 3]; the rectangle has sides along the diagonals,
    # corners (x, y) = ((s + d) / 2, (s - d) / 2): (8, 10), (10.5, 7.5), (32, 29), (29.5, 31.5)
    (box,) = boxes_from_scores(region, affinity)
    expected = np.array([[8, 10], [10.5, 7.5], [32, 29], [29.5, 31.5]])
    assert any(np.allclose(np.roll(box, -s, axis=0), expected, atol=1e-4) for s in range(4))
    assert box[0].sum() == pytest.approx(18, abs=1e-4)  # starts at a smallest-x+y corner (two tie at 18)
    x, y = box[:, 0], box[:, 1]
    assert (x * np.roll(y, -1) - np.roll(x, -1) * y).sum() > 0  # clockwise on screen (y down)


def test_small_or_weak_components_are_dropped_and_text_threshold_is_inclusive():
    region, affinity = maps()
    region[2:5, 2:5] = 0.9  # area 9 < 10: dropped
    region[20:25, 2:12] = 0.69  # max 0.69 < 0.7: dropped
    region[20:25, 30:40] = 0.5
    region[22, 35] = np.float32(0.7)  # max == 0.7 (float32): kept, the rule is "drop if max < 0.7"
    boxes = boxes_from_scores(region, affinity)
    assert len(boxes) == 1
    assert boxes[0][:, 0].min() > 20
    region[22, 35] = np.nextafter(np.float32(0.7), np.float32(0))
    assert boxes_from_scores(region, affinity) == []


def test_low_text_is_strict_greater_than():
    region, affinity = maps()
    region[10:15, 20:40] = np.float32(0.4)  # not > 0.4: background
    region[12, 30] = 0.9  # a single pixel > 0.4: area 1, dropped
    assert boxes_from_scores(region, affinity) == []


def test_polygon_mode_follows_a_curved_word_and_small_words_fall_back():
    region, affinity = maps(60, 130)
    for x in range(10, 110):  # a 6-px band along an arc: centre row 20 at both ends, 34 in the middle
        c = int(round(20 + 14 * np.sin(np.pi * (x - 10) / 99)))
        region[c - 3:c + 3, x] = 0.9
    region[50:54, 10:14] = 0.9  # 4x4 word: a 7x7 box after dilation, under the 10 px polygon minimum
    (box, poly), (small_box, small_poly) = polygons_from_scores(region, affinity)
    assert small_poly is None
    np.testing.assert_array_equal(small_box, [[8, 48], [15, 48], [15, 55], [8, 55]])  # 4x4 dilated by +-2
    # a column spans ~6-10 px of the 24-px box (< 0.7 h): the official fitting gives 14 points, top edge left to
    # right (7 points) then bottom edge right to left (7 points)
    assert poly.shape == (14, 2) and poly.dtype == np.float64
    top, bottom = poly[:7], poly[7:][::-1]
    assert np.all(np.diff(top[:, 0]) > 0) and np.all(np.diff(bottom[:, 0]) > 0)
    assert np.all(bottom[:, 1] > top[:, 1])
    assert top[3, 1] > top[0, 1] + 10 and top[3, 1] > top[6, 1] + 10  # the middle sags with the arc
    x, y = poly[:, 0], poly[:, 1]
    assert (x * np.roll(y, -1) - np.roll(x, -1) * y).sum() > 0  # clockwise on screen


class FixedMaps(torch.nn.Module):
    """A stand-in for CRAFT that returns given score maps, to test coordinate scaling alone."""

    def __init__(self, region: np.ndarray, affinity: np.ndarray) -> None:
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.y = torch.from_numpy(np.stack([region, affinity], axis=-1))[None]

    def forward(self, x):
        assert x.shape[2] == 2 * self.y.shape[1] and x.shape[3] == 2 * self.y.shape[2]
        return self.y, None


def test_detect_image_maps_boxes_back_to_input_pixels():
    # a 320x240 image: ratio 1.5, canvas 384 x 480, score maps 192 x 240
    region, affinity = maps(192, 240)
    region[10:15, 20:40] = 0.9  # map box [[18, 8], [41, 8], [41, 16], [18, 16]] (see above)
    image = np.zeros((240, 320, 3), np.uint8)
    (box,) = detect_image(FixedMaps(region, affinity), image)
    # x 2 / 1.5 = x 4/3: 18 -> 24, 41 -> 54.67, 8 -> 10.67, 16 -> 21.33
    np.testing.assert_allclose(box, [[24, 32 / 3], [164 / 3, 32 / 3], [164 / 3, 64 / 3], [24, 64 / 3]], rtol=1e-6)
    assert format_detections([box]) == ["24,10,54,10,54,21,24,21"]
    # the LR condition: boxes found on an x4 LR image land in HR pixels
    assert format_detections([box], rescale=4) == ["96,42,218,42,218,85,96,85"]


def test_format_detections_truncates_toward_zero():
    polys = [np.array([[1.9, 2.0], [-0.5, 3.99], [10.0, 0.25], [7.7, 8.8]], np.float32)]
    assert format_detections(polys) == ["1,2,0,3,10,0,7,8"]
    assert format_detections(polys, rescale=2.0) == ["3,4,-1,7,20,0,15,17"]
    assert format_detections([]) == []


# ------------------------------------------------------------------------------------------------- whole images


def text_image() -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (160, 96), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=20)
    draw.text((8, 10), "HELLO", font=font, fill=(0, 0, 0))
    draw.text((20, 55), "world 42", font=font, fill=(20, 20, 120))
    return np.asarray(im)


def test_detect_folder_writes_one_result_file_per_image(tmp_path, weights_path, craft, caplog):
    images = tmp_path / "images"
    write_png(images / "words.png", text_image())
    write_png(images / "blank.png", np.full((64, 96, 3), 128, np.uint8))
    with caplog.at_level(logging.INFO, logger="textsr.inference.detect"):
        summary = detect_folder(images, tmp_path / "det", weights=weights_path, threads=1)
    assert sorted(p.name for p in (tmp_path / "det").iterdir()) == ["res_blank.txt", "res_words.txt"]
    assert (tmp_path / "det" / "res_blank.txt").read_text() == ""  # no word: an empty file
    text = (tmp_path / "det" / "res_words.txt").read_text()
    lines = text.splitlines()
    assert text.endswith("\n") and "\r" not in text and len(lines) >= 2
    assert all(len(line.split(",")) == 8 for line in lines)
    dets = detect_image(craft, text_image())
    assert lines == format_detections(dets)
    assert summary["n_images"] == 2 and summary["n_boxes"] == len(lines) and summary["seconds"] > 0
    assert any("words.png" in r.getMessage() for r in caplog.records)
    settings = summary["settings"]
    assert settings["precision"] == "fp32" and settings["poly"] is False and settings["refine"] is False
    assert (settings["text_threshold"], settings["link_threshold"], settings["low_text"]) == (0.7, 0.4, 0.4)
    assert (settings["canvas_size"], settings["mag_ratio"], settings["batch_size"]) == (1280, 1.5, 1)
    assert settings["merge_lines"] is None and settings["weights"] == str(weights_path)


def test_detect_folder_rescale_multiplies_before_truncation(tmp_path, weights_path, craft):
    write_png(tmp_path / "images" / "words.png", text_image())
    detect_folder(tmp_path / "images", tmp_path / "det_x4", weights=weights_path, threads=1, rescale=4)
    lines_x4 = (tmp_path / "det_x4" / "res_words.txt").read_text().splitlines()
    assert lines_x4 == format_detections(detect_image(craft, text_image()), rescale=4)


# -------------------------------------------------------------------------------- equality with the official code


def sample_input(samples: Path, entry: dict) -> np.ndarray:
    image = read_image(samples / entry["sample"])
    if "crop_rows_cols" in entry:
        r0, r1, c0, c1 = entry["crop_rows_cols"]
        image = image[r0:r1, c0:c1]
    elif "subsample" in entry:
        n = entry["subsample"]
        image = image[::n, ::n]
    return np.ascontiguousarray(image)


def official_lines(boxes: list[list[int]]) -> list[str]:
    return [",".join(str(v) for v in b) for b in boxes]


@needs_samples
@pytest.mark.parametrize(
    "stem, poly",
    [
        ("img_1", False),  # ICDAR2015 1280x720 as is (canvas 1280x736), 10 boxes
        ("ic15_img_1_crop320x240", False),  # magnified 1.5x, 9 boxes
        ("ic15_img_3_crop250x170", False),  # odd sizes: 375x255 in a 384x256 canvas
        ("ic15_img_1_sub4", False),  # an LR-like 320x180 image
        ("ic15_img_1_crop320x240", True),  # --poly: 4 polygons + 5 fallback boxes
        ("tt_img3_crop240x400", True),  # Total-Text crop, portrait, curved text: 2 polygons + 2 boxes
    ],
)
def test_boxes_equal_the_official_code(samples, craft, stem, poly):
    entry = json.loads(OFFICIAL.read_text())["images"][stem]
    dets = detect_image(craft, sample_input(samples, entry), poly=poly)
    assert format_detections(dets) == official_lines(entry["poly" if poly else "boxes"])


@pytest.fixture(scope="module")
def folded(craft):
    """The model detect_folder runs: BN folded, ReLU fused, channels-last, fp32."""
    return fold_for_inference(craft, "fp32")


FIXTURE_STEMS = sorted(json.loads(OFFICIAL.read_text())["images"])


@needs_samples
@pytest.mark.parametrize("stem", FIXTURE_STEMS)
def test_folded_fp32_boxes_and_polygons_equal_the_official_code_on_every_fixture(samples, folded, stem):
    # 14 images (9 whole samples, 5 crops / subsamplings); score maps differ from the official ones by ~1e-6
    entry = json.loads(OFFICIAL.read_text())["images"][stem]
    region, link, ratio = score_maps(folded, sample_input(samples, entry))
    assert format_detections(detections_from_maps(region, link, ratio)) == official_lines(entry["boxes"])
    assert format_detections(detections_from_maps(region, link, ratio, poly=True)) == official_lines(entry["poly"])


# ------------------------------------------------------------------------------------- detect_folder's contract


def test_detect_folder_restores_the_callers_thread_count(tmp_path, weights_path):
    write_png(tmp_path / "images" / "blank.png", np.full((32, 32, 3), 128, np.uint8))
    assert torch.get_num_threads() == 1  # this module's fixture
    detect_folder(tmp_path / "images", tmp_path / "det", weights=weights_path, threads=2)
    assert torch.get_num_threads() == 1
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad.pth"):  # a refused checkpoint: the error names the file
        detect_folder(tmp_path / "images", tmp_path / "det", weights=bad, threads=2)
    assert torch.get_num_threads() == 1  # restored on error too


def test_detect_folder_names_every_unreadable_image_before_detecting(tmp_path, weights_path):
    images = tmp_path / "images"
    write_png(images / "good.png", text_image())
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (images / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageReadError) as info:
        detect_folder(images, tmp_path / "det", weights=weights_path, threads=1)
    assert "broken.png" in str(info.value) and "empty.jpg" in str(info.value)
    assert not (tmp_path / "det").exists()  # nothing detected, nothing written


def test_batches_of_same_shape_canvases_give_the_files_of_one_image_at_a_time(tmp_path, weights_path):
    images = tmp_path / "images"
    write_png(images / "a.png", text_image())  # 160 x 96 -> canvas 256 x 160
    write_png(images / "b.png", 255 - text_image())  # same canvas: batched with a.png
    write_png(images / "c.png", text_image()[:64, :96])  # 96 x 64 -> canvas 160 x 96: a batch of its own
    one = detect_folder(images, tmp_path / "one", weights=weights_path, threads=1)
    three = detect_folder(images, tmp_path / "three", weights=weights_path, threads=1, batch_size=3)
    assert three["settings"]["batch_size"] == 3 and one["n_boxes"] == three["n_boxes"] > 0
    for name in ("res_a.txt", "res_b.txt", "res_c.txt"):
        assert (tmp_path / "three" / name).read_text() == (tmp_path / "one" / name).read_text(), name


def test_merge_lines_in_detect_folder_and_refused_with_polygons(tmp_path, weights_path, craft):
    write_png(tmp_path / "images" / "words.png", text_image())
    merge = {"gap": 2.0, "angle": 15.0}
    summary = detect_folder(tmp_path / "images", tmp_path / "det", weights=weights_path, threads=1, merge_lines=merge)
    words = detect_image(craft, text_image())
    lines = (tmp_path / "det" / "res_words.txt").read_text().splitlines()
    assert lines == format_detections(merge_lines(words, **merge))
    assert len(lines) == len(words) - 1 == 2  # "world" and "42" become one line; "HELLO" (a line above) stays
    assert summary["settings"]["merge_lines"] == merge
    with pytest.raises(ValueError, match="poly"):
        detect_folder(tmp_path / "images", tmp_path / "p", weights=weights_path, poly=True, merge_lines=merge)
    with pytest.raises(ValueError, match="gap and angle"):
        detect_folder(tmp_path / "images", tmp_path / "p", weights=weights_path, merge_lines={"gap": 1})


def test_bf16_detect_folder_writes_boxes_and_says_so(tmp_path, weights_path):
    write_png(tmp_path / "images" / "words.png", text_image())
    summary = detect_folder(tmp_path / "images", tmp_path / "det", weights=weights_path, threads=1, precision="bf16")
    lines = (tmp_path / "det" / "res_words.txt").read_text().splitlines()
    assert summary["settings"]["precision"] == "bf16" and len(lines) >= 2
    assert all(len(line.split(",")) == 8 for line in lines)
    with pytest.raises(ValueError, match="precision"):
        detect_folder(tmp_path / "images", tmp_path / "x", weights=weights_path, precision="fp16")


def test_cli_detect_refine_with_an_official_format_refiner_state_dict(tmp_path, weights_path, craft):
    from test_refinenet import passthrough_refiner_state

    from textsr.cli import main
    from textsr.data.weights import load_refiner

    refiner = tmp_path / "refiner.pth"  # official format: DataParallel keys
    torch.save({"module." + k: v for k, v in passthrough_refiner_state(0, noise=0.05).items()}, refiner)
    write_png(tmp_path / "images" / "words.png", text_image())
    rc = main(["detect", "--input", str(tmp_path / "images"), "--output", str(tmp_path / "det"), "--weights",
               str(weights_path), "--refine", "--refiner-weights", str(refiner), "--threads", "1"])
    assert rc == 0
    lines = (tmp_path / "det" / "res_words.txt").read_text().splitlines()
    expected = detect_image(craft, text_image(), refine=True, refiner=load_refiner(refiner))
    assert lines == format_detections(expected) and len(lines) >= 2
    # the library call behind it: poly forced on, as the official --refine (whether a word gets a 14-point polygon
    # depends on its shape: tests/test_refinenet.py checks real ones against the official test.py)
    summary = detect_folder(tmp_path / "images", tmp_path / "lib", weights=weights_path, threads=1, refine=True,
                            refiner_weights=refiner)
    assert summary["settings"]["poly"] is True and summary["settings"]["refiner_weights"] == str(refiner)
    assert (tmp_path / "lib" / "res_words.txt").read_text().splitlines() == lines
    assert main(["detect", "--input", str(tmp_path / "images"), "--output", str(tmp_path / "x"), "--weights",
                 str(weights_path), "--refine", "--refiner-weights", str(tmp_path / "absent.pth")]) == 2
