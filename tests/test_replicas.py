"""Replicas of the official archives (tests/replicas/): complete, small, and prepared + parsed like the real ones."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import SAMPLES, needs_samples
from replicas import REPLICAS, SR_SETS, write_rcan_official, write_replicas, write_user_folder
from replicas.scenes import _box, _ink_polygon, _scene
from textsr.data import catalog
from textsr.data.gt.ctw1500 import read_ctw1500_gt
from textsr.data.gt.icdar import read_icdar2015_gt
from textsr.data.gt.totaltext import read_totaltext_mat, read_totaltext_txt
from textsr.data.prepare import prepare_dataset, prepare_folder
from textsr.data.synthetic import INK_ALPHA
from textsr.data.textzoom import read_lmdb
from textsr.evaluation import load_samples

DETECTION = [k for k in REPLICAS if catalog.dataset(k)["family"] == "detection"]
SR_PAIRS = [k for k in REPLICAS if catalog.dataset(k)["family"] == "sr_pairs"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Every replica, from the real samples where they are present (else synthetic stand-ins)."""
    downloads = tmp_path_factory.mktemp("replicas") / "downloads"
    result = write_replicas(downloads, samples=SAMPLES if SAMPLES.is_dir() else None)
    return downloads, result


@pytest.fixture(scope="module")
def prepared(written, tmp_path_factory):
    """Every replica prepared with every gt variant, as the workflow's prepare step does (no checksum involved)."""
    downloads, _ = written
    out = tmp_path_factory.mktemp("datasets")
    manifests = {}
    for key in REPLICAS:
        spec = catalog.dataset(key)
        gt = sorted({v for sp in spec["splits"].values() for v in sp.get("gt", {})}) or None
        manifests[key] = prepare_dataset(key, downloads, out / key, **({"gt": gt} if gt else {}))
    return out, manifests


def _member(archive: Path, path: str) -> bytes:
    """One member's bytes, from a zip or a tar, given its full path inside the archive."""
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            return zf.read(path)
    with tarfile.open(archive) as tf:
        return tf.extractfile(path).read()


def _native(downloads: Path, source: dict, name: str) -> bytes:
    return _member(downloads / source["archive"], f"{source['path']}/{name}" if source["path"] else name)


def test_every_catalogue_download_has_a_replica_under_its_official_name(written):
    downloads, result = written
    expected = {n for n, a in catalog.ARCHIVES.items() if a["where"] == "downloads"}
    named = {n for r in result.values() for n in r["archives"]}
    assert named == expected
    assert {p.name for p in downloads.iterdir()} == expected  # nothing else written there
    for key in REPLICAS:  # and each dataset's archives are exactly what the catalogue says preparing it needs
        spec = catalog.dataset(key)
        gt = sorted({v for sp in spec["splits"].values() for v in sp.get("gt", {})}) or None
        scales = [2, 3, 4] if spec["family"] == "sr_pairs" else None
        assert sorted(result[key]["archives"]) == sorted(catalog.required_files(key, gt=gt, lr_scales=scales)), key


def test_required_files_names_an_archive_once_when_it_holds_several_sources():
    # found on the replicas: benchmark.tar holds Set5's HR and its x2 / x3 / x4 LR, MSRA-TD500.zip the images and
    # the gt of both splits; each was listed once per source (4 and 2 times) despite "without repeats"
    assert catalog.required_files("set5", lr_scales=[2, 3, 4]) == ["benchmark.tar"]
    assert catalog.required_files("msra_td500") == ["MSRA-TD500.zip"]
    assert catalog.required_files("div2k", ["train"], lr_scales=[2, 4]) == [
        "DIV2K_train_HR.zip", "DIV2K_train_LR_bicubic_X2.zip", "DIV2K_train_LR_bicubic_X4.zip"]


def test_replicas_are_small_and_the_same_seed_writes_the_same_bytes(written, tmp_path):
    _, result = written
    sizes = {n: a["size"] for r in result.values() for n, a in r["archives"].items()}
    assert sum(sizes.values()) < 8_000_000  # a few MB (4.5 MB measured with the samples)
    again = write_replicas(tmp_path, samples=None, which=["icdar2013", "ctw1500", "totaltext", "set14"])
    once = write_replicas(tmp_path / "b", samples=None, which=["icdar2013", "ctw1500", "totaltext", "set14"])
    assert again == once
    other = write_replicas(tmp_path / "c", samples=None, which=["icdar2013"], seed=1)
    assert other["icdar2013"]["archives"] != once["icdar2013"]["archives"]


@pytest.mark.parametrize("key", DETECTION)
def test_detection_replica_prepares_to_canonical_layout_with_native_gt_byte_identical(written, prepared, key):
    downloads, result = written
    out, manifests = prepared
    spec = catalog.dataset(key)
    for split, expected in result[key]["splits"].items():
        images = sorted(p.name for p in (out / key / split / "images").iterdir())
        assert images == expected["images"]
        assert manifests[key]["splits"][split]["images"] == len(images)
        for variant, gt in expected["gt"].items():
            sp = spec["splits"][split]
            folder = out / key / split / catalog.gt_dir_name(sp, variant)
            assert sorted(p.name for p in folder.iterdir()) == gt["files"]
            for name in gt["files"]:
                assert (folder / name).read_bytes() == _native(downloads, sp["gt"][variant], name), name
            assert manifests[key]["splits"][split]["gt"][variant]["missing"] == 0


@pytest.mark.parametrize("key", SR_PAIRS)
def test_sr_replica_prepares_hr_with_official_lr_paired_by_name(written, prepared, key):
    downloads, result = written
    out, manifests = prepared
    spec = catalog.dataset(key)
    for split, expected in result[key]["splits"].items():
        assert sorted(p.name for p in (out / key / split / "images").iterdir()) == expected["images"]
        for scale, names in expected["lr"].items():
            src = spec["splits"][split]["lr"][scale]
            lr_dir = out / key / split / "lr" / f"x{scale}"
            assert sorted(p.name for p in lr_dir.iterdir()) == names
            for name in names:
                official = src["name"].format(stem=Path(name).stem, scale=scale)  # e.g. 0001x4.png
                assert (lr_dir / name).read_bytes() == _native(downloads, src, official)
        assert manifests[key]["splits"][split]["lr"] == {str(s): len(n) for s, n in expected["lr"].items()}


@pytest.mark.parametrize("key", DETECTION)
def test_evaluation_parsers_read_every_prepared_gt_file(written, prepared, key, tmp_path):
    _, result = written
    out, _ = prepared
    spec = catalog.dataset(key)
    empty = tmp_path / "no_detections"
    empty.mkdir()
    for split, expected in result[key]["splits"].items():
        for variant, gt in expected["gt"].items():
            if variant == "xml":  # CTW-1500 training labels: no evaluation protocol reads them (training uses images)
                continue
            folder = out / key / split / catalog.gt_dir_name(spec["splits"][split], variant)
            samples = load_samples(spec["protocol"], folder, empty)
            assert len(samples) == len(expected["images"])
            assert sum(len(s.gt) for s in samples) == gt["regions"], (split, variant)


def test_without_samples_the_real_parts_are_synthetic_stand_ins_in_the_same_formats(tmp_path):
    keys = ["icdar2015", "msra_td500", "totaltext", "set5"]
    result = write_replicas(tmp_path / "dl", samples=None, which=keys)
    assert not any(result[k]["real"] for k in keys)
    empty = tmp_path / "none"
    empty.mkdir()
    for key in keys:
        spec = catalog.dataset(key)
        prepare_dataset(key, tmp_path / "dl", tmp_path / key)
        if spec["protocol"]:
            gt = result[key]["splits"]["test"]["gt"][spec["splits"]["test"]["default_gt"]]
            samples = load_samples(spec["protocol"], tmp_path / key / "test/gt", empty)
            assert sum(len(s.gt) for s in samples) == gt["regions"] > 0
    assert (tmp_path / "msra_td500/train/gt/IMG_1579.gt").read_bytes() == b""  # the empty-gt case is kept
    train_gt = (tmp_path / "icdar2015/train/gt/gt_img_1.txt").read_bytes()
    test_gt = (tmp_path / "icdar2015/test/gt/gt_img_1.txt").read_bytes()
    assert train_gt.startswith(b"\xef\xbb\xbf") and b"\r\n" not in train_gt
    assert not test_gt.startswith(b"\xef\xbb\xbf") and test_gt.count(b"\r\n") == test_gt.count(b"\n") > 0


def test_some_detection_test_images_have_sizes_that_are_not_multiples_of_the_scales(prepared):
    out, _ = prepared
    odd = {key: [Image.open(p).size for p in sorted((out / key / "test/images").iterdir())]
           for key in ("icdar2013", "ctw1500", "totaltext")}
    for key, sizes in odd.items():
        assert any(w % 2 or h % 4 for w, h in sizes), (key, sizes)  # 323 x 242: modcrop drops a column / rows


def test_synthetic_word_boxes_and_polygons_are_tight_around_the_ink():
    import cv2

    # upright straight words (ICDAR 2013): the ink box equals the extent of synthetic.py's own quad, fitted to the
    # same ink by a minimum-area rectangle grown half a pixel and rounded: at most 1 px apart on each side
    _, words = _scene([0, 98], 320, 240, 6)
    assert len(words) >= 4
    for w in words:
        box = np.asarray(_box(w))
        extent = np.r_[w.quad.min(axis=0), w.quad.max(axis=0)]
        assert np.abs(box - extent).max() <= 1, (box, extent)
    # bent words (CTW-1500, Total-Text): the 14-point polygon holds nearly all ink and is no looser than the box
    _, words = _scene([0, 99], 320, 240, 6, curve_prob=1.0, max_curve=0.6)
    assert len(words) >= 4 and all(w.curve for w in words)
    for w in words:
        ys, xs = np.nonzero(w.alpha >= INK_ALPHA)
        ys, xs = ys + w.y0, xs + w.x0
        x0, y0, x1, y1 = _box(w)
        poly = _ink_polygon(w, 7)
        assert poly.shape == (14, 2)
        assert poly[:7, 0].tolist() == sorted(poly[:7, 0]) and poly[7:, 0].tolist() == sorted(poly[7:, 0])[::-1]
        mask = np.zeros((240, 320), np.uint8)
        cv2.fillPoly(mask, [poly.astype(np.int32)], 1)
        assert mask[ys, xs].mean() > 0.95
        assert mask.sum() <= 1.05 * (x1 - x0 + 1) * (y1 - y0 + 1)


def test_totaltext_txt_twin_equals_the_mat_and_a_record_wraps(prepared):
    out, _ = prepared
    wrapped = 0
    for split in ("train", "test"):
        for mat in sorted((out / "totaltext" / split / "gt").glob("*.mat")):
            txt = out / "totaltext" / split / "gt_txt" / (mat.stem + ".txt")
            a, b = read_totaltext_mat(mat), read_totaltext_txt(txt)
            assert [(r.text, r.dontcare, r.extra["orientation"]) for r in a] == [
                (r.text, r.dontcare, r.extra["orientation"]) for r in b]
            assert all(np.array_equal(r.points, s.points) for r, s in zip(a, b))
            lines = txt.read_text().splitlines()
            wrapped += len(lines) - sum(line.startswith("x:") for line in lines)
    assert wrapped >= 1  # continuation lines (not starting with "x:") exist and are joined


def test_ctw1500_original_and_2020_labels_describe_the_same_polygons(prepared):
    out, _ = prepared
    for original in sorted((out / "ctw1500/test/gt").iterdir()):
        a = read_ctw1500_gt(original)
        b = read_ctw1500_gt(out / "ctw1500/test/gt_2020" / f"000{original.name}")
        assert [r.extra["format"] for r in a] == ["original"] * len(a)
        assert all(np.array_equal(r.points, s.points) for r, s in zip(a, b)) and len(a) == len(b)
        assert sum(r.dontcare for r in b) == 1 and not any(r.dontcare for r in a)


def test_sr_benchmark_hr_keeps_its_size_and_lr_comes_from_the_modcropped_hr(written):
    downloads, _ = written
    with tarfile.open(downloads / "benchmark.tar") as tf:
        def size(path: str) -> tuple[int, int]:
            return Image.open(io.BytesIO(tf.extractfile(path).read())).size

        # Set14 comic is 250 x 361 (EDSR-PyTorch #292): x2 LR is 125 x 180, x3 83 x 120, x4 62 x 90
        assert size("benchmark/Set14/HR/comic.png") == (250, 361)
        assert [size(f"benchmark/Set14/LR_bicubic/X{s}/comicx{s}.png") for s in (2, 3, 4)] == [
            (125, 180), (83, 120), (62, 90)]
        assert size("benchmark/B100/LR_bicubic/X4/3096x4.png") == (120, 80)  # 481 x 321 -> 480 x 320 / 4
        assert set(SR_SETS.values()) == {n.split("/")[1] for n in tf.getnames() if n.count("/") >= 1}


def test_div2k_official_lr_names_and_exact_sizes(written):
    downloads, _ = written
    with zipfile.ZipFile(downloads / "DIV2K_train_LR_bicubic_X4.zip") as zf:
        names = sorted(n for n in zf.namelist() if not n.endswith("/"))
        assert names == [f"DIV2K_train_LR_bicubic/X4/000{i}x4.png" for i in (1, 2, 3)]
        assert Image.open(io.BytesIO(zf.read(names[1]))).size == (60, 90)  # 0002 is portrait, 240 x 360 HR
    with zipfile.ZipFile(downloads / "DIV2K_valid_HR.zip") as zf:
        assert "DIV2K_valid_HR/0801.png" in zf.namelist()


def test_textzoom_lmdbs_have_one_based_keys_and_varying_sizes(written, prepared):
    downloads, result = written
    out, _ = prepared
    for sub, info in result["textzoom"]["lmdb"].items():
        samples = list(read_lmdb(downloads / "TextZoom" / sub))
        assert [s.index for s in samples] == list(range(1, len(info["labels"]) + 1))
        assert [s.label for s in samples] == info["labels"]
        assert [Image.open(io.BytesIO(s.hr)).size for s in samples] == [tuple(v) for v in info["hr_sizes"]]
        assert (downloads / "TextZoom" / sub / "lock.mdb").is_file()
    hr = [tuple(v) for info in result["textzoom"]["lmdb"].values() for v in info["hr_sizes"]]
    assert len(set(hr)) > 5 and all(100 <= w < 170 and 28 <= h < 42 for w, h in hr)
    for split, expected in result["textzoom"]["splits"].items():
        assert len(list((out / "textzoom" / split / "images").iterdir())) == expected["samples"]


@needs_samples
def test_real_icdar2015_test_split_has_test_conventions_and_the_same_words(written, prepared):
    _, result = written
    out, _ = prepared
    assert result["icdar2015"]["real"]
    for k in (1, 2, 3):
        train = (out / f"icdar2015/train/gt/gt_img_{k}.txt").read_bytes()
        test = (out / f"icdar2015/test/gt/gt_img_{k}.txt").read_bytes()
        assert train == (SAMPLES / f"icdar2015/ch4_training_localization_transcription_gt/gt_img_{k}.txt").read_bytes()
        assert train.startswith(b"\xef\xbb\xbf") and not test.startswith(b"\xef\xbb\xbf")
        assert test.count(b"\r\n") == test.count(b"\n") > 0  # CRLF on every line
        a = read_icdar2015_gt(out / f"icdar2015/train/gt/gt_img_{k}.txt")
        b = read_icdar2015_gt(out / f"icdar2015/test/gt/gt_img_{k}.txt")
        assert [(r.text, r.points.tolist()) for r in a] == [(r.text, r.points.tolist()) for r in b]


@needs_samples
def test_real_msra_td500_and_set5_files_are_used_byte_for_byte(written, prepared):
    _, result = written
    out, _ = prepared
    assert result["msra_td500"]["real"] and result["set5"]["real"] and result["totaltext"]["real"]
    assert (out / "msra_td500/train/gt/IMG_1579.gt").read_bytes() == b""  # the real empty gt file
    assert (out / "msra_td500/test/images/IMG_0445.JPG").read_bytes() == (
        SAMPLES / "msra_td500/test/IMG_0445.JPG").read_bytes()
    official_lr = SAMPLES / "set5/LR_bicubic/X4/bird_LRBI_x4.png"
    assert (out / "set5/test/lr/x4/bird.png").read_bytes() == official_lr.read_bytes()
    assert (out / "totaltext/test/gt/poly_gt_img3.mat").read_bytes() == (
        SAMPLES / "totaltext/Groundtruth/Polygon/Test/poly_gt_img3.mat").read_bytes()
    x3 = Image.open(out / "set5/test/lr/x3/baby.png")
    assert x3.size == (170, 170)  # 512 -> modcrop 510 -> / 3


def test_user_folder_replica_prepares(tmp_path):
    names = write_user_folder(tmp_path / "mine")
    m = prepare_folder(tmp_path / "mine", tmp_path / "out")
    assert m["splits"]["train"]["images"] == len(names) == 3
    assert sorted(p.suffix for p in (tmp_path / "out/train/images").iterdir()) == [".jpg", ".png", ".png"]


def test_rcan_official_replicas_load_strictly_with_their_sizes_read_from_the_keys(tmp_path, torch_one_thread):
    import torch

    from textsr.models.rcan import RCAN
    from textsr.inference.superres import load_sr_model

    paths = write_rcan_official(tmp_path / "weights", [2, 4], n_resgroups=2, n_resblocks=1, n_feats=16, reduction=8)
    assert sorted(p.name for p in (tmp_path / "weights").iterdir()) == ["RCAN_BIX2.pt", "RCAN_BIX4.pt"]
    for scale, path in paths.items():
        assert not zipfile.is_zipfile(path)  # legacy serialisation, as the 2018 release
        sd = torch.load(path, map_location="cpu", weights_only=True)
        assert list(sd) == list(RCAN(scale=scale, n_resgroups=2, n_resblocks=1, n_feats=16, reduction=8).state_dict())
        sizes = RCAN.kwargs_from_state_dict(sd)
        assert {k: sizes[k] for k in ("scale", "n_resgroups", "n_resblocks", "n_feats", "reduction")} == {
            "scale": scale, "n_resgroups": 2, "n_resblocks": 1, "n_feats": 16, "reduction": 8}
        model, _ = load_sr_model(path, scale)  # the pipeline's loader: architecture from the keys, strict
        with torch.no_grad():
            assert model(torch.zeros(1, 3, 8, 8)).shape == (1, 3, 8 * scale, 8 * scale)
