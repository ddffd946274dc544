"""The synthetic scene-text generator: determinism, ICDAR2015 GT format, tight non-overlapping quads, sizes, ###."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import shapely

from textsr.data.synthetic import (
    INK_ALPHA,
    SYNTHETIC_DEFAULTS,
    generate_synthetic,
    render_scene,
    synthetic_config,
    synthetic_image_names,
)
from textsr.data.synthetic.fonts import _cap_ratio, _font_path
from textsr.data.synthetic.words import _render_word
from textsr.util.imageio import read_image

SMALL = dict(n_train=2, n_test=3, width=192, height=144)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    summary = generate_synthetic(root, seed=7, n_train=1, n_test=4)
    return root, summary


@pytest.fixture(scope="module")
def scenes():
    """A few in-memory scenes (image, words) with the default parameters."""
    config = synthetic_config()
    return [render_scene(config, np.random.default_rng([3, k]), 12) for k in range(4)]


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rrc_clockwise_sum(points):
    """The RRC script's validate_clockwise_points sum; it rejects a quad when the sum is > 0."""
    p = [(int(points[i]), int(points[i + 1])) for i in range(0, 8, 2)]
    return sum((p[(i + 1) % 4][0] - p[i][0]) * (p[(i + 1) % 4][1] + p[i][1]) for i in range(4))


def test_image_names():
    assert synthetic_image_names(3) == ["img_1", "img_2", "img_3"]
    assert synthetic_image_names(0) == []


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    generate_synthetic(tmp_path / "a", seed=5, **SMALL)
    generate_synthetic(tmp_path / "b", seed=5, **SMALL)
    generate_synthetic(tmp_path / "c", seed=6, **SMALL)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert sorted(a) == [
        "manifest.json", "test/gt/gt_img_1.txt", "test/gt/gt_img_2.txt", "test/gt/gt_img_3.txt",
        "test/images/img_1.png", "test/images/img_2.png", "test/images/img_3.png", "test/meta.json",
        "train/gt/gt_img_1.txt", "train/gt/gt_img_2.txt", "train/images/img_1.png", "train/images/img_2.png",
    ]
    assert a == b
    assert sorted(c) == sorted(a)
    assert all(a[name] != c[name] for name in a if name.endswith(".png"))


def test_image_k_does_not_depend_on_the_number_of_images(tmp_path):
    generate_synthetic(tmp_path / "a", seed=5, **{**SMALL, "n_test": 1, "n_train": 0})
    generate_synthetic(tmp_path / "b", seed=5, **SMALL)
    for name in ("test/images/img_1.png", "test/gt/gt_img_1.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_sizes_must_be_multiples_of_4_and_keys_known():
    with pytest.raises(ValueError, match="multiple of 4"):
        synthetic_config(width=322)
    with pytest.raises(TypeError, match="unknown"):
        synthetic_config(colour="red")
    with pytest.raises(ValueError):
        synthetic_config(cap_heights=[10, 12], cap_height_weights=[1.0])
    # every default is a JSON value, so the config schema can mirror them
    assert json.loads(json.dumps(SYNTHETIC_DEFAULTS)) == SYNTHETIC_DEFAULTS


def test_clockwise_convention_of_the_rrc_script():
    # TL, TR, BR, BL with y down: (10-0)(0+0) + (10-10)(5+0) + (0-10)(5+5) + (0-0)(0+5) = -100 -> accepted (<= 0)
    assert rrc_clockwise_sum([0, 0, 10, 0, 10, 5, 0, 5]) == -100
    assert rrc_clockwise_sum([0, 0, 0, 5, 10, 5, 10, 0]) == 100  # counter-clockwise on screen: rejected


def test_gt_files_are_valid_icdar2015(dataset):
    root, summary = dataset
    assert summary["test"] == synthetic_image_names(4)
    meta = json.loads((root / "test" / "meta.json").read_text())
    n_lines = 0
    for name in summary["test"]:
        image = read_image(root / "test" / "images" / f"{name}.png")
        assert image.shape == (240, 320, 3)
        raw = (root / "test" / "gt" / f"gt_{name}.txt").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        lines = raw.decode("utf-8").splitlines()
        assert len(lines) == len(meta["images"][name]["words"]) >= 1
        for line in lines:
            fields = line.split(",", 8)
            assert len(fields) == 9, line
            xy = [int(v) for v in fields[:8]]  # integers, as the RRC parser wants
            text = fields[8]
            assert text == "###" or (text.isalpha() and text.isascii()), line
            assert rrc_clockwise_sum(xy) <= 0, line
            quad = np.array(xy).reshape(4, 2)
            assert np.all(quad >= 0) and np.all(quad[:, 0] <= 320) and np.all(quad[:, 1] <= 240)
            # TL is the corner on the upper-left of the word: first edge goes right (|angle| <= 12 degrees)
            assert quad[1, 0] > quad[0, 0] and quad[3, 1] > quad[0, 1], line
            n_lines += 1
    assert n_lines == summary["n_test_words"]


def test_quads_cover_the_ink_tightly(scenes):
    ratios = []
    for _, words in scenes:
        for word in words:
            ys, xs = np.nonzero(word.alpha >= INK_ALPHA)
            cx, cy = xs + word.x0 + 0.5, ys + word.y0 + 0.5  # pixel centres in image coordinates
            poly = shapely.Polygon(word.quad)
            inside = shapely.contains_xy(poly, cx, cy) | shapely.intersects_xy(poly.boundary, cx, cy)
            assert inside.mean() > 0.95, (word.text, inside.mean())
            # the ink's own min-area rectangle over whole pixels (centres +- 0.5)
            corners = np.concatenate([np.stack([cx + dx, cy + dy], 1) for dx in (-0.5, 0.5) for dy in (-0.5, 0.5)])
            (_, _), (rw, rh), _ = cv2.minAreaRect(corners.astype(np.float32))
            ratios.append(poly.area / (rw * rh))
    assert len(ratios) > 30
    assert max(ratios) < 1.6
    assert np.median(ratios) < 1.15


def test_words_do_not_overlap(scenes):
    for _, words in scenes:
        polys = [shapely.Polygon(word.quad) for word in words]
        for i in range(len(polys)):
            for j in range(i + 1, len(polys)):
                assert polys[i].intersection(polys[j]).area == 0.0, (words[i].text, words[j].text)


def test_cap_height_distribution_follows_the_config():
    config = synthetic_config(
        cap_heights=[10, 16], cap_height_weights=[3, 1], dontcare_fraction=0.0, width=320, height=240, clutter=[0, 0]
    )
    heights = []
    for k in range(20):
        _, words = render_scene(config, np.random.default_rng([11, k]), 10)
        heights += [word.cap_height for word in words]
    assert len(heights) >= 150
    assert set(heights) == {10.0, 16.0}
    share = heights.count(10.0) / len(heights)
    assert 0.65 < share < 0.85  # configured 3 / (3 + 1) = 0.75


def test_default_heights_are_mostly_10_to_16_px(dataset):
    root, _ = dataset
    meta = json.loads((root / "test" / "meta.json").read_text())
    words = [w for image in meta["images"].values() for w in image["words"]]
    legible = [w["cap_height"] for w in words if w["transcription"] != "###"]
    assert np.mean([10 <= h <= 16 for h in legible]) > 0.7
    assert set(legible) <= set(SYNTHETIC_DEFAULTS["cap_heights"])


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf"])
def test_rendered_cap_height_matches_the_nominal_one(font):
    path = _font_path(font)
    for cap in (10.0, 14.0):
        alpha, _ = _render_word("HELLO", path, cap / _cap_ratio(path), cap, 0.0, np.zeros((4, 2)), 0.0)
        rows = np.flatnonzero((alpha >= 0.5).any(axis=1))
        assert abs((rows[-1] - rows[0] + 1) - cap) <= 1.0


def test_dontcare_rule_small_or_low_contrast(scenes):
    config = synthetic_config(dontcare_fraction=0.5)
    words = []
    for k in range(6):
        words += render_scene(config, np.random.default_rng([13, k]), 12)[1]
    words += [w for _, ws in scenes for w in ws]
    reasons = {w.dontcare_reason for w in words}
    assert {"small", "low_contrast", None} <= reasons
    for w in words:
        expect_dontcare = w.cap_height < 6.0 or w.contrast < 30.0
        assert (w.transcription == "###") == expect_dontcare, (w.text, w.cap_height, w.contrast)
        if not expect_dontcare:
            assert w.transcription == w.text
            assert w.contrast >= 79.0  # min_contrast 80, up to 1 grey level lost to clipping


def test_meta_records_font_size_and_angle(dataset):
    root, _ = dataset
    meta = json.loads((root / "test" / "meta.json").read_text())
    assert meta["seed"] == 7 and meta["params"]["n_test"] == 4
    word = meta["images"]["img_1"]["words"][0]
    for key in ("text", "transcription", "quad", "font", "font_size", "cap_height", "angle", "curve", "contrast"):
        assert key in word
    assert abs(word["angle"]) <= 12.0


def test_signature_defaults_equal_synthetic_defaults():
    import inspect

    sig = inspect.signature(generate_synthetic)
    defaults = {k: p.default for k, p in sig.parameters.items() if k not in ("out_root", "seed")}
    assert {k: list(v) if isinstance(v, tuple) else v for k, v in defaults.items()} == SYNTHETIC_DEFAULTS
