"""PP-OCRv6's DB detector (textsr.inference.dbnet): pre-processing, DB post-processing, box order, submission files,
and equality with rapidocr 3.10.0's own pipeline (the test-only use of the package's code) on the real samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import needs_samples
from textsr.inference.dbnet import (
    DEFAULTS, DET_MD5, DET_MEMBER, PACKAGE, PACKAGE_VERSION, DBDetector, boxes_from_prob, det_weights_source,
    detect_folder_db, fit_bounds, network_input, pad_vertically, reading_order,
)
from textsr.util.onnx import ChecksumError, packaged_file

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
POST = ("thresh", "box_thresh", "max_candidates", "unclip_ratio", "use_dilation", "score_mode")


@pytest.fixture(scope="module")
def detector():
    return DBDetector(det_weights_source(), threads=1, device="cpu")


@pytest.fixture(scope="module")
def rapid_det():
    """rapidocr's whole pipeline with detection only (CPU, 1 thread): BGR array -> boxes (N, 4, 2) float32."""
    rapidocr = pytest.importorskip("rapidocr")
    engine = rapidocr.RapidOCR(params={"EngineConfig.onnxruntime.intra_op_num_threads": 1,
                                       "Global.log_level": "warning"})

    def run(bgr: np.ndarray) -> np.ndarray:
        out = engine(bgr, use_det=True, use_cls=False, use_rec=False)
        return out.boxes if getattr(out, "boxes", None) is not None else np.zeros((0, 4, 2), np.float32)

    return run


def test_defaults_are_the_wheel_config():
    config = yaml.safe_load(packaged_file(PACKAGE, "rapidocr/config.yaml", PACKAGE_VERSION).read_text())
    glob, det = config["Global"], config["Det"]
    assert {k: glob[k] for k in ("min_side_len", "max_side_len", "min_height", "width_height_ratio")} == \
        {k: DEFAULTS[k] for k in ("min_side_len", "max_side_len", "min_height", "width_height_ratio")}
    assert {k: det[k] for k in ("limit_side_len", "limit_type", *POST)} == \
        {k: DEFAULTS[k] for k in ("limit_side_len", "limit_type", *POST)}
    assert glob["use_preprocess_img"] and glob["use_vertical_padding"]  # both always on here
    assert det["mean"] == det["std"] == [0.5, 0.5, 0.5] and det["ocr_version"] == "PP-OCRv6"
    assert Path(DET_MEMBER).name == f"{det['ocr_version']}_det_{det['model_type']}.onnx"


def test_network_input_brings_the_short_side_to_736_in_multiples_of_32():
    x = network_input(np.full((720, 1280, 3), 255, np.uint8), 736, "min")
    # ratio 736 / 720: h int(736.0) = 736 = 23 * 32; w int(1308.44) = 1308 -> round(40.875) * 32 = 1312
    assert x.shape == (1, 3, 736, 1312) and x.dtype == np.float32 and np.all(x == 1.0)  # (1 - 0.5) / 0.5
    big = network_input(np.zeros((800, 1000, 3), np.uint8), 736, "min")  # short side 800 >= 736: ratio 1
    assert big.shape == (1, 3, 800, 992) and np.all(big == -1.0)  # round(31.25) * 32 = 992


def test_fit_bounds_and_vertical_padding():
    img, rh, rw = fit_bounds(np.zeros((1000, 3000, 3), np.uint8), 30, 2000)
    # 2000 / 3000: h int(666.67) = 666 -> round(20.81) * 32 = 672; w 2000 -> round(62.5) = 62 (half to even) * 32
    assert img.shape == (672, 1984, 3) and (rh, rw) == (1000 / 672, 3000 / 1984)
    flat, top = pad_vertically(np.zeros((20, 100, 3), np.uint8), 8, 30)  # h 20 <= 30
    assert top == 20 and flat.shape == (60, 100, 3)  # max(int(100 / 8), 30) * 2 = 60; (60 - 20) / 2 = 20
    wide, top = pad_vertically(np.ones((100, 1000, 3), np.uint8), 8, 30)  # w / h = 10 > 8
    assert top == 75 and wide.shape == (250, 1000, 3) and wide[:75].max() == 0  # max(125, 30) * 2 = 250
    same, top = pad_vertically(np.zeros((100, 800, 3), np.uint8), 8, 30)  # w / h = 8: not > 8
    assert top == 0 and same.shape == (100, 800, 3)


def test_db_post_processing_of_one_block():
    prob = np.zeros((64, 128), np.float32)
    prob[20:30, 30:80] = 0.9  # a 50 x 10 text block
    settings = {k: DEFAULTS[k] for k in POST}
    boxes, scores = boxes_from_prob(prob, 128, 64, **settings)
    # the 2 x 2 dilation grows the block to x 30..80, y 20..30: rectangle 50 x 10; its fast score is the mean over
    # the 51 x 11 filled rectangle: 500 * 0.9 / 561 = 0.80214; unclip distance = 500 * 1.6 / 120 = 6.667 px, so
    # x 23.3..86.7, y 13.3..36.7, rounded by pyclipper to 23, 87, 13, 37
    assert scores == [pytest.approx(450 / 561)]
    assert boxes.tolist() == [[[23, 13], [87, 13], [87, 37], [23, 37]]]
    double, _ = boxes_from_prob(prob, 256, 128, **settings)  # the input image twice the map's size
    assert double.tolist() == [[[46, 26], [174, 26], [174, 74], [46, 74]]]
    prob[20:30, 30:80] = 0.4  # above thresh 0.3, but the box score 0.4 * 500 / 561 = 0.357 < box_thresh 0.5
    assert len(boxes_from_prob(prob, 128, 64, **settings)[0]) == 0


def test_reading_order_groups_lines_within_10_px():
    ys, xs = [50, 12, 15, 40, 21], [5, 90, 10, 60, 30]
    boxes = np.zeros((5, 4, 2), np.float32)
    boxes[:, 0, 0], boxes[:, 0, 1] = xs, ys
    ordered, scores = reading_order(boxes, [0.1, 0.2, 0.3, 0.4, 0.5])
    # y sorted 12, 15, 21, 40, 50: steps 3, 6, 19, 10 -> lines {12, 15, 21}, {40}, {50}; line 1 by x: 10, 30, 90
    assert ordered[:, 0, 0].tolist() == [10, 30, 90, 60, 5] and scores == [0.3, 0.5, 0.2, 0.4, 0.1]


def test_tampered_model_is_named(tmp_path):
    data = bytearray(det_weights_source().read_bytes())
    data[-1] ^= 0x01
    bad = tmp_path / "PP-OCRv6_det_small.onnx"
    bad.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=f"PP-OCRv6_det_small.onnx.*expected {DET_MD5}"):
        DBDetector(bad, device="cpu")
    with pytest.raises(ValueError, match="unknown DB settings"):
        DBDetector(det_weights_source(), device="cpu", box_type="poly")


@needs_samples
def test_boxes_equal_rapidocr_on_the_samples(detector, rapid_det):
    """The ICDAR 2015 and Total-Text images, img_1 at x4 LR size (the short side is brought up to 736), a flat
    strip (vertical padding) and a 24 x 20 corner (bounds resize)."""
    from textsr.degrade import bicubic_downscale
    from textsr.util.imageio import read_image

    paths = sorted((SAMPLES / "icdar2015" / "ch4_training_images").glob("*.jpg"))
    paths += sorted((SAMPLES / "totaltext" / "Images" / "Test").glob("*.jpg"))
    images = [read_image(p) for p in paths]
    first = images[0]
    images += [bicubic_downscale(first, 4), np.ascontiguousarray(first[100:140]), np.ascontiguousarray(first[:20, :24])]
    counts = []
    for rgb in images:
        ours, _ = detector.detect(rgb)
        ref = rapid_det(np.ascontiguousarray(rgb[:, :, ::-1]))
        assert ours.dtype == np.float32 and np.array_equal(ours, ref), (rgb.shape, ours, ref)
        counts.append(len(ours))
    assert counts[0] == 7 and sum(counts) > 20  # img_1: 7 boxes (as rapidocr; 7 GT words, 3 don't-care)


@needs_samples
def test_detect_folder_writes_hr_boxes(tmp_path, detector):
    """A x4 LR copy of img_1: the file's lines are the LR boxes times 4, truncated as CRAFT's files."""
    from textsr.degrade import bicubic_downscale
    from textsr.util.imageio import read_image, write_png

    lr = bicubic_downscale(read_image(SAMPLES / "icdar2015" / "ch4_training_images" / "img_1.jpg"), 4)
    write_png(tmp_path / "in" / "img_1.png", lr)
    summary = detect_folder_db(tmp_path / "in", tmp_path / "out", weights=det_weights_source(), threads=1,
                               rescale=4.0, device="cpu")
    boxes, _ = detector.detect(lr)
    lines = (tmp_path / "out" / "res_img_1.txt").read_text().splitlines()
    assert summary["n_images"] == 1 and summary["n_boxes"] == len(lines) == len(boxes) > 0
    assert lines == [",".join(str(int(v)) for v in (b.astype(np.float64) * 4).astype(np.int32).ravel())
                     for b in boxes]
    assert summary["settings"]["unclip_ratio"] == 1.6 and summary["settings"]["rescale"] == 4.0
    (tmp_path / "in" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(Exception, match="broken.png"):
        detect_folder_db(tmp_path / "in", tmp_path / "out2", weights=det_weights_source(), device="cpu")
