"""prepare: small fake archives in each dataset's native layout -> the canonical layout, byte-identical files."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import needs_samples
from replicas import write_textzoom_lmdb
from textsr.data import catalog
from textsr.data.archive import UnsafeArchiveError
from textsr.data.download import ManualDownloadRequired
from textsr.data.prepare import PrepareError, prepare_dataset, prepare_folder, require_weights
from textsr.data.textzoom import TextZoomError, read_labels, read_lmdb
from textsr.util.imageio import read_image


def image_bytes(w: int, h: int, fmt: str = "JPEG", seed: int = 0, exif: Image.Exif | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    im = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, format=fmt, **({"exif": exif} if exif is not None else {}))
    return buf.getvalue()


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def tar_of(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


JPG1, JPG2 = image_bytes(32, 24, seed=1), image_bytes(40, 20, seed=2)
BOM_GT = "\ufeff377,117,463,117,465,130,378,130,Genaxis Theatre\n374,155,409,155,409,170,374,170,###\n".encode()


def test_icdar2015_flat_zips_to_canonical_layout(tmp_path):
    dl = tmp_path / "downloads"
    zip_of(dl / "ch4_test_images.zip", {"img_1.jpg": JPG1, "img_2.jpg": JPG2})
    zip_of(dl / "Challenge4_Test_Task4_GT.zip", {"gt_img_1.txt": BOM_GT, "gt_img_2.txt": b""})
    (dl / "ch4_test_images.zip.sha256").write_text("ab" * 32 + "  ch4_test_images.zip\n")
    out = tmp_path / "datasets" / "icdar2015"
    manifest = prepare_dataset("icdar2015", dl, out, splits=["test"])
    assert tree(out) == ["manifest.json", "test/gt/gt_img_1.txt", "test/gt/gt_img_2.txt",
                         "test/images/img_1.jpg", "test/images/img_2.jpg"]
    assert (out / "test/gt/gt_img_1.txt").read_bytes() == BOM_GT  # BOM kept: byte-identical
    assert (out / "test/gt/gt_img_2.txt").read_bytes() == b""  # an empty gt file is valid
    assert (out / "test/images/img_2.jpg").read_bytes() == JPG2
    assert manifest["splits"]["test"] == {"images": 2, "gt": {"rrc": {"dir": "gt", "files": 2, "missing": 0}}}
    assert manifest["sources"]["ch4_test_images.zip"]["sha256"] == "ab" * 32
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert [p.name for p in out.parent.iterdir()] == ["icdar2015"]  # no staging / work folders left


@needs_samples
def test_real_icdar2015_and_td500_samples_stay_byte_identical(tmp_path, samples):
    dl = tmp_path / "dl"
    ic = samples / "icdar2015"
    zip_of(dl / "ch4_training_images.zip", {p.name: p.read_bytes() for p in (ic / "ch4_training_images").iterdir()})
    zip_of(dl / "ch4_training_localization_transcription_gt.zip",
           {p.name: p.read_bytes() for p in (ic / "ch4_training_localization_transcription_gt").iterdir()})
    prepare_dataset("icdar2015", dl, tmp_path / "ic15", splits=["train"])
    for p in (ic / "ch4_training_localization_transcription_gt").iterdir():
        assert (tmp_path / "ic15/train/gt" / p.name).read_bytes() == p.read_bytes()
    td = samples / "msra_td500"
    zip_of(dl / "MSRA-TD500.zip", {f"MSRA-TD500/{p.parent.name}/{p.name}": p.read_bytes()
                                   for p in sorted(td.rglob("IMG_*"))} | {"MSRA-TD500/Readme.doc": b"doc"})
    m = prepare_dataset("msra_td500", dl, tmp_path / "td500")
    assert tree(tmp_path / "td500/train") == ["gt/IMG_1545.gt", "gt/IMG_1579.gt", "images/IMG_1545.JPG",
                                              "images/IMG_1579.JPG"]
    assert (tmp_path / "td500/train/gt/IMG_1579.gt").read_bytes() == b""  # the real empty gt file
    assert (tmp_path / "td500/test/gt/IMG_0445.gt").read_bytes() == (td / "test/IMG_0445.gt").read_bytes()
    assert m["splits"]["test"]["images"] == 2


def test_ctw1500_keeps_original_and_2020_test_labels_side_by_side(tmp_path):
    dl = tmp_path / "dl"
    zip_of(dl / "ctw1500_test_images.zip", {"test_images/1001.jpg": JPG1, "test_images/1002.jpg": JPG2})
    zip_of(dl / "ctw1500_test_labels.zip", {"0001001.txt": b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
                                                           b"21,22,23,24,25,26,27,28,####OLATHE\n",
                                            "0001002.txt": b""})
    original = b"56,506,259,531,0,0,33,0,67,0,101,0,135,0,169,0,203,0,203,25,169,25,135,25,101,25,67,25,33,25,0,25\n"
    zip_of(dl / "ctw1500.zip", {"ctw1500/test/text_image/1001.jpg": JPG1,
                                "ctw1500/test/text_label_curve/1001.txt": original,
                                "ctw1500/test/text_label_curve/1002.txt": original,
                                "ctw1500/train/text_label_curve/0001.txt": original})
    out = tmp_path / "ctw1500"
    m = prepare_dataset("ctw1500", dl, out, splits=["test"], gt=["original", "2020"])
    assert tree(out / "test") == ["gt/1001.txt", "gt/1002.txt", "gt_2020/0001001.txt", "gt_2020/0001002.txt",
                                  "images/1001.jpg", "images/1002.jpg"]
    assert (out / "test/gt/1001.txt").read_bytes() == original
    assert catalog.gt_dir("ctw1500", "test", "2020") == "test/gt_2020"
    assert set(m["sources"]) == {"ctw1500_test_images.zip", "ctw1500_test_labels.zip", "ctw1500.zip"}


def test_totaltext_inside_a_wrapper_folder_with_mat_and_txt_gt(tmp_path):
    dl = tmp_path / "dl"
    mat = b"MATLAB 5.0 MAT-file (fake bytes, copied not parsed)"
    txt = b"x: [[115 503 494 115]], y: [[322 346 426 404]], ornt: [u'm'], transcriptions: [u'nauGHTY']\n"
    # the images zip wraps everything in an extra top folder, and carries macOS debris
    zip_of(dl / "totaltext.zip", {"totaltext/Images/Test/img3.jpg": JPG1, "totaltext/Images/Test/img11.JPG": JPG2,
                                  "totaltext/Images/Train/img1.jpg": JPG1, "__MACOSX/totaltext/._img3.jpg": b"x"})
    zip_of(dl / "groundtruth_text.zip", {"Groundtruth/Polygon/Test/poly_gt_img3.mat": mat,
                                         "Groundtruth/Polygon/Test/poly_gt_img11.mat": mat})
    zip_of(dl / "txt_format.zip", {"Test/poly_gt_img3.txt": txt, "Test/poly_gt_img11.txt": b""})
    out = tmp_path / "tt"
    prepare_dataset("totaltext", dl, out, splits=["test"], gt=["mat", "txt"])
    assert tree(out / "test") == ["gt/poly_gt_img11.mat", "gt/poly_gt_img3.mat", "gt_txt/poly_gt_img11.txt",
                                  "gt_txt/poly_gt_img3.txt", "images/img11.JPG", "images/img3.jpg"]
    assert (out / "test/gt_txt/poly_gt_img3.txt").read_bytes() == txt


def test_mlt_merges_image_parts_and_refuses_two_different_files_with_one_name(tmp_path):
    dl = tmp_path / "dl"
    for i in range(1, 9):
        zip_of(dl / f"ch8_training_images_{i}.zip", {f"img_{i}.jpg": JPG1, f"img_{i}0.png": image_bytes(8, 8, "PNG")})
    zip_of(dl / "ch8_training_localization_transcription_gt_v2.zip",
           {f"gt_img_{i}.txt": b"\xef\xbb\xbf1,1,9,1,9,9,1,9,Latin,Castle\n" for i in range(1, 9)})
    m = prepare_dataset("icdar2017_mlt", dl, tmp_path / "mlt", splits=["train"])
    before = tree(tmp_path / "mlt")
    assert m["splits"]["train"]["images"] == 16 and m["splits"]["train"]["gt"]["rrc"]["missing"] == 8
    zip_of(dl / "ch8_training_images_2.zip", {"img_1.jpg": JPG2})  # same name, different bytes
    with pytest.raises(PrepareError, match="two different files named img_1.jpg"):
        prepare_dataset("icdar2017_mlt", dl, tmp_path / "mlt", splits=["train"])
    assert tree(tmp_path / "mlt") == before  # the first result is still there, intact
    assert (tmp_path / "mlt/train/images/img_1.jpg").read_bytes() == JPG1


def test_missing_archive_names_path_and_url(tmp_path):
    with pytest.raises(ManualDownloadRequired) as info:
        prepare_dataset("icdar2013", tmp_path / "resources/downloads", tmp_path / "out", splits=["test"])
    msg = str(info.value)
    assert str((tmp_path / "resources/downloads/Challenge2_Test_Task12_Images.zip").resolve()) in msg
    assert "https://rrc.cvc.uab.es/downloads/Challenge2_Test_Task12_Images.zip" in msg
    assert not (tmp_path / "out").exists()


def test_archive_with_another_layout_is_a_clear_error(tmp_path):
    dl = tmp_path / "dl"
    zip_of(dl / "ctw1500_test_images.zip", {"some/other/1001.jpg": JPG1, "x/y.jpg": JPG2})
    zip_of(dl / "ctw1500.zip", {"ctw1500/test/text_label_curve/1001.txt": b""})
    with pytest.raises(PrepareError, match="expected the folder 'test_images'"):
        prepare_dataset("ctw1500", dl, tmp_path / "out", splits=["test"])


def test_gt_that_matches_no_image_is_a_clear_error(tmp_path):
    dl = tmp_path / "dl"
    zip_of(dl / "ch4_test_images.zip", {"img_1.jpg": JPG1})
    zip_of(dl / "Challenge4_Test_Task4_GT.zip", {"res_img_1.txt": b""})
    with pytest.raises(PrepareError, match="expected names like 'gt_img_1.txt'"):
        prepare_dataset("icdar2015", dl, tmp_path / "out", splits=["test"])


def test_unsafe_archive_stops_prepare_and_leaves_nothing(tmp_path):
    dl = tmp_path / "dl"
    zip_of(dl / "ch4_test_images.zip", {"img_1.jpg": JPG1, "../../evil.jpg": JPG2})
    zip_of(dl / "Challenge4_Test_Task4_GT.zip", {"gt_img_1.txt": b""})
    with pytest.raises(UnsafeArchiveError, match="evil.jpg"):
        prepare_dataset("icdar2015", dl, tmp_path / "out", splits=["test"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dl"]


def test_exif_orientation_is_kept_in_the_file_and_ignored_when_loading(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": a viewer would show 20x40
    jpg = image_bytes(40, 20, exif=exif)
    dl = tmp_path / "dl"
    zip_of(dl / "ch4_test_images.zip", {"img_1.jpg": jpg})
    zip_of(dl / "Challenge4_Test_Task4_GT.zip", {"gt_img_1.txt": b""})
    prepare_dataset("icdar2015", dl, tmp_path / "out", splits=["test"])
    prepared = tmp_path / "out/test/images/img_1.jpg"
    assert prepared.read_bytes() == jpg
    assert read_image(prepared).shape == (20, 40, 3)  # raw pixels: ground truth is on them


def test_div2k_hr_with_official_lr_where_present(tmp_path):
    dl = tmp_path / "dl"
    hr = {n: image_bytes(16, 12, "PNG", seed=i) for i, n in enumerate(["0001.png", "0002.png"])}
    zip_of(dl / "DIV2K_train_HR.zip", {f"DIV2K_train_HR/{n}": b for n, b in hr.items()})
    zip_of(dl / "DIV2K_train_LR_bicubic_X2.zip",
           {"DIV2K_train_LR_bicubic/X2/0001x2.png": b"lr1", "DIV2K_train_LR_bicubic/X2/0002x2.png": b"lr2"})
    out = tmp_path / "div2k"
    m = prepare_dataset("div2k", dl, out, splits=["train"])  # lr_scales None: the X2 zip is there, X3/X4 not
    assert tree(out / "train") == ["images/0001.png", "images/0002.png", "lr/x2/0001.png", "lr/x2/0002.png"]
    assert (out / "train/lr/x2/0002.png").read_bytes() == b"lr2" and m["splits"]["train"]["lr"] == {"2": 2}
    with pytest.raises(ManualDownloadRequired, match="DIV2K_train_LR_bicubic_X4.zip"):
        prepare_dataset("div2k", dl, out, splits=["train"], lr_scales=[4])
    assert (out / "manifest.json").is_file()  # the earlier result survives a failed re-run


def test_sr_benchmark_tar_extracts_only_its_own_set(tmp_path):
    dl = tmp_path / "dl"
    tar_of(dl / "benchmark.tar", {"benchmark/Set5/HR/baby.png": b"hr", "benchmark/Set5/LR_bicubic/X4/babyx4.png": b"l",
                                  "benchmark/Set14/HR/zebra.png": b"z"})
    m = prepare_dataset("set5", dl, tmp_path / "set5", lr_scales=[4])
    assert tree(tmp_path / "set5/test") == ["images/baby.png", "lr/x4/baby.png"]
    assert m["splits"]["test"] == {"images": 1, "lr": {"4": 1}}


def test_textzoom_lmdb_pairs_to_images_lr_and_labels(tmp_path):
    hr1, lr1 = image_bytes(128, 32, "PNG", 1), image_bytes(64, 16, "PNG", 2)
    hr2, lr2 = image_bytes(120, 30, "PNG", 3), image_bytes(60, 15, "JPEG", 4)
    root = tmp_path / "dl" / "TextZoom"
    write_textzoom_lmdb(root / "train1", [("Castle", hr1, lr1), ("a\tb", hr2, lr2)])
    write_textzoom_lmdb(root / "train2", [("ÉCOLE", hr1, lr1)])
    assert [s.label for s in read_lmdb(root / "train1")] == ["Castle", "a\tb"]
    out = tmp_path / "textzoom"
    m = prepare_dataset("textzoom", tmp_path / "dl", out, splits=["train"])
    assert tree(out / "train") == ["images/train1_000000001.png", "images/train1_000000002.png",
                                   "images/train2_000000001.png", "labels.tsv", "lr/x2/train1_000000001.png",
                                   "lr/x2/train1_000000002.png", "lr/x2/train2_000000001.png"]
    assert (out / "train/images/train1_000000001.png").read_bytes() == hr1  # PNG payload kept as is
    # JPEG re-encoded as PNG; 120x30 / 60x15 resized to the TextZoom loader's 128x32 / 64x16 (tests/test_textzoom.py)
    assert read_image(out / "train/images/train1_000000002.png").shape == (32, 128, 3)
    assert read_image(out / "train/lr/x2/train1_000000002.png").shape == (16, 64, 3)
    assert read_labels(out / "train/labels.tsv") == {"train1_000000001.png": "Castle",
                                                     "train1_000000002.png": "a\tb", "train2_000000001.png": "ÉCOLE"}
    assert m["splits"]["train"]["images"] == 3


def test_textzoom_missing_key_names_lmdb_and_key(tmp_path):
    write_textzoom_lmdb(tmp_path / "bad", [("x", b"a", b"b")], drop=b"image_lr-000000001")
    with pytest.raises(TextZoomError, match="'image_lr-000000001' missing"):
        list(read_lmdb(tmp_path / "bad"))


def test_textzoom_not_placed_yet_names_the_folder_and_drive(tmp_path):
    with pytest.raises(ManualDownloadRequired) as info:
        prepare_dataset("textzoom", tmp_path / "dl", tmp_path / "out", splits=["test_easy"])
    assert str((tmp_path / "dl/TextZoom").resolve()) in str(info.value) and "drive.google.com" in str(info.value)


def test_user_folder_is_copied_and_an_unreadable_image_is_named(tmp_path):
    src = tmp_path / "my_hr"
    src.mkdir()
    (src / "a.png").write_bytes(image_bytes(8, 8, "PNG"))
    (src / "b.jpg").write_bytes(JPG1)
    (src / "notes.txt").write_text("not an image")
    m = prepare_folder(src, tmp_path / "out")
    assert tree(tmp_path / "out") == ["manifest.json", "train/images/a.png", "train/images/b.jpg"]
    assert m["splits"]["train"]["images"] == 2
    (src / "c.jpg").write_bytes(JPG1[:200])  # truncated JPEG
    with pytest.raises(PrepareError, match=r"c\.jpg: cannot read image"):
        prepare_folder(src, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()
    with pytest.raises(PrepareError, match="does not exist"):
        prepare_folder(tmp_path / "nope", tmp_path / "out3")


def test_rcan_weights_must_be_provided_by_the_user(tmp_path):
    with pytest.raises(ManualDownloadRequired) as info:
        require_weights(4, tmp_path / "resources/weights")
    msg = str(info.value)
    assert str((tmp_path / "resources/weights/RCAN_BIX4.pt").resolve()) in msg
    assert "https://github.com/yulunzhang/RCAN" in msg
    (tmp_path / "resources/weights").mkdir(parents=True)
    (tmp_path / "resources/weights/RCAN_BIX4.pt").write_bytes(b"weights")
    assert require_weights(4, tmp_path / "resources/weights").name == "RCAN_BIX4.pt"
    with pytest.raises(KeyError, match="no official weights for x5"):
        require_weights(5, tmp_path)
