"""The public evaluation API: PROTOCOLS, evaluate, evaluate_to_json, the evaluate CLI."""

from __future__ import annotations

import json

import pytest

from textsr.evaluation import PROTOCOLS, evaluate, evaluate_to_json
from textsr.cli import main


def ic15_case(root, n_images=2):
    (root / "gt").mkdir(parents=True)
    (root / "det").mkdir(parents=True)
    for i in range(1, n_images + 1):
        (root / "gt" / f"gt_img_{i}.txt").write_text("0,0,10,0,10,10,0,10,a\n20,0,30,0,30,10,20,10,###\n")
        (root / "det" / f"res_img_{i}.txt").write_text("0,0,10,0,10,10,0,10\n")
    return root / "gt", root / "det"


def test_protocol_names():
    assert set(PROTOCOLS) == {
        "icdar2015", "icdar2017", "icdar2013", "icdar2013-wolf", "icdar2013-iou",
        "msra-td500", "msra-td500-angle", "ctw1500", "totaltext", "totaltext-iou",
    }


def test_result_carries_counts_and_per_image_matches(tmp_path):
    r = evaluate("icdar2015", *ic15_case(tmp_path))
    for key in ("protocol", "precision", "recall", "hmean", "n_images", "n_gt", "n_det", "n_matched", "per_image", "options"):
        assert key in r
    img = r["per_image"]["img_1"]
    for key in ("gt", "gt_dontcare", "det", "det_dontcare", "matches", "precision", "recall", "hmean"):
        assert key in img
    assert img["gt"][0] == [[0, 0], [10, 0], [10, 10], [0, 10]] and img["matches"] == [[0, 0]]
    assert (r["n_images"], r["n_gt"], r["n_det"], r["n_matched"]) == (2, 2, 2, 2)


def test_underscore_names_and_unknown_protocol_or_option(tmp_path):
    gt, det = ic15_case(tmp_path)
    assert evaluate("ICDAR2015", gt, det)["protocol"] == "icdar2015"
    with pytest.raises(ValueError, match="unknown protocol 'coco'"):
        evaluate("coco", gt, det)
    with pytest.raises(TypeError, match="has no option"):
        evaluate("icdar2015", gt, det, tr=0.7)


def test_detection_file_without_gt_is_an_error(tmp_path):
    gt, det = ic15_case(tmp_path)
    (det / "res_img_99.txt").write_text("")
    (det / "notes.log").write_text("ignored: not a res_*.txt file")
    with pytest.raises(ValueError, match=r"res_img_99\.txt"):
        evaluate("icdar2015", gt, det)


def test_missing_folders_and_empty_gt_folder(tmp_path):
    gt, det = ic15_case(tmp_path)
    with pytest.raises(FileNotFoundError, match="detection folder does not exist"):
        evaluate("icdar2015", gt, tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no icdar2015 ground-truth files"):
        evaluate("icdar2015", tmp_path / "empty", det)


def test_two_gt_files_for_one_image(tmp_path):
    (tmp_path / "gt").mkdir()
    (tmp_path / "det").mkdir()
    (tmp_path / "gt" / "1001.txt").write_text("")
    (tmp_path / "gt" / "0001001.txt").write_text("")
    with pytest.raises(ValueError, match="several ground-truth files for image '1001'"):
        evaluate("ctw1500", tmp_path / "gt", tmp_path / "det")


def test_totaltext_prefers_mat_over_txt(tmp_path):
    from scipy import io
    import numpy as np

    (tmp_path / "gt").mkdir()
    (tmp_path / "det").mkdir()
    cell = np.empty((1, 6), dtype=object)
    for j, v in enumerate([np.array(["x:"]), np.array([[0, 10, 10, 0]], np.int16), np.array(["y:"]), np.array([[0, 0, 10, 10]], np.int16), np.array(["a"]), np.array(["h"])]):
        cell[0, j] = v
    io.savemat(tmp_path / "gt" / "poly_gt_img1.mat", {"polygt": cell})
    (tmp_path / "gt" / "poly_gt_img1.txt").write_text("this would not parse\n")
    (tmp_path / "det" / "res_img1.txt").write_text("0,0,10,0,10,10,0,10\n")
    assert evaluate("totaltext", tmp_path / "gt", tmp_path / "det")["hmean"] == 1.0


def test_evaluate_to_json_is_deterministic(tmp_path):
    gt, det = ic15_case(tmp_path)
    a = evaluate_to_json("icdar2015", gt, det, tmp_path / "out" / "a.json")
    evaluate_to_json("icdar2015", gt, det, tmp_path / "out" / "b.json")
    text = (tmp_path / "out" / "a.json").read_text()
    assert text == (tmp_path / "out" / "b.json").read_text()
    assert json.loads(text) == a
    keys = list(json.loads(text))
    assert keys == sorted(keys)


def test_cli_prints_summary_and_writes_json(tmp_path, capsys):
    gt, det = ic15_case(tmp_path)
    out = tmp_path / "x4.json"
    assert main(["evaluate", "--protocol", "icdar2015", "--gt", str(gt), "--det", str(det), "--json", str(out), "--option", "iou_threshold=0.5"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["precision"], printed["recall"], printed["hmean"], printed["n_gt"], printed["n_det"]) == (1.0, 1.0, 1.0, 2, 2)
    assert "per_image" not in printed
    assert "per_image" in json.loads(out.read_text())


def test_cli_reports_file_and_line_on_bad_input(tmp_path, capsys):
    gt, det = ic15_case(tmp_path)
    (det / "res_img_2.txt").write_text("0,0,10,0,10,10,0,10\n1,2,3\n")
    assert main(["evaluate", "--protocol", "icdar2015", "--gt", str(gt), "--det", str(det)]) == 2
    assert "res_img_2.txt:2:" in capsys.readouterr().err


def test_cli_option_values_are_json(tmp_path, capsys):
    (tmp_path / "gt").mkdir()
    (tmp_path / "det").mkdir()
    (tmp_path / "gt" / "poly_gt_img1.txt").write_text("x: [[0 10 10 0]], y: [[0 0 10 10]], ornt: [u'h'], transcriptions: [u'a']\n")
    (tmp_path / "gt" / "poly_gt_img2.txt").write_text("x: [[0 10 10 0]], y: [[0 0 10 10]], ornt: [u'h'], transcriptions: [u'a']\n")
    (tmp_path / "det" / "res_img1.txt").write_text("0,0,10,0,10,10,0,10\n")
    args = ["--protocol", "totaltext", "--gt", str(tmp_path / "gt"), "--det", str(tmp_path / "det")]
    assert main(["evaluate", *args, "--option", "skip_missing_detections=false"]) == 0
    assert json.loads(capsys.readouterr().out)["recall"] == 0.5  # img2 counted as missed


def test_image_without_gt_file_counts_as_an_image_with_zero_gt(tmp_path):
    # prepare keeps images whose GT file is missing ("they count as images without text"). img_3 has no GT file:
    # its one detection is a false positive. care GT 2 (img_1, img_2), care det 3, matched 2: R 1, P 2/3, H 0.8
    gt, det = ic15_case(tmp_path)
    (tmp_path / "images").mkdir()
    for name in ("img_1.jpg", "img_2.jpg", "img_3.JPG", "notes.txt"):
        (tmp_path / "images" / name).write_bytes(b"")
    (det / "res_img_3.txt").write_text("50,50,60,50,60,60,50,60\n")
    with pytest.raises(ValueError, match=r"res_img_3\.txt"):  # without the image list it stays an orphan
        evaluate("icdar2015", gt, det)
    for images in (tmp_path / "images", str(tmp_path / "images"), ["img_1", "img_2", "img_3"]):
        r = evaluate("icdar2015", gt, det, images=images)
        assert (r["n_images"], r["n_gt"], r["n_det"], r["n_matched"]) == (3, 2, 3, 2)
        assert r["hmean"] == pytest.approx(0.8)
        assert r["images_without_gt"] == ["img_3"] and r["per_image"]["img_3"]["gt"] == []
    # a detection file whose stem is neither a GT nor an image stays an error
    (det / "res_img_4.txt").write_text("")
    with pytest.raises(ValueError, match=r"without ground truth in .* nor image in .*images: res_img_4\.txt$"):
        evaluate("icdar2015", gt, det, images=tmp_path / "images")


def test_image_without_gt_or_detection_file_keeps_the_totaltext_skip_rule(tmp_path):
    # Total-Text: img2 has no GT file and no detection file -> left out like any image without detections;
    # img3 has no GT file but a detection -> one false positive. GT 1 matched: R 1, P 1/2
    (tmp_path / "gt").mkdir()
    (tmp_path / "det").mkdir()
    (tmp_path / "images").mkdir()
    for stem in ("img1", "img2", "img3"):
        (tmp_path / "images" / f"{stem}.jpg").write_bytes(b"")
    (tmp_path / "gt" / "poly_gt_img1.txt").write_text("x: [[0 10 10 0]], y: [[0 0 10 10]], ornt: [u'h'], transcriptions: [u'a']\n")
    (tmp_path / "det" / "res_img1.txt").write_text("0,0,10,0,10,10,0,10\n")
    (tmp_path / "det" / "res_img3.txt").write_text("50,50,60,50,60,60,50,60\n")
    r = evaluate("totaltext", tmp_path / "gt", tmp_path / "det", images=tmp_path / "images")
    assert r["skipped_images"] == ["img2"] and r["images_without_gt"] == ["img2", "img3"]
    assert (r["n_images"], r["recall"], r["precision"]) == (2, 1.0, 0.5)


def test_every_malformed_file_is_named_in_one_error(tmp_path, capsys):
    # three bad files at once: a GT line of 3 fields, a detection line of 3 numbers, a counter-clockwise quad
    from textsr.evaluation import AnnotationError, AnnotationErrors

    gt, det = ic15_case(tmp_path, n_images=4)
    (gt / "gt_img_1.txt").write_text("0,0,10,0,10,10,0,10,a\n1,2,3\n")
    (det / "res_img_2.txt").write_text("0,0,10,0,10,10,0,10\n1,2,3\n")
    (det / "res_img_3.txt").write_text("0,0,0,10,10,10,10,0\n")  # TL, BL, BR, TR: counter-clockwise on screen
    with pytest.raises(AnnotationError) as info:
        evaluate("icdar2015", gt, det)
    err = info.value
    assert isinstance(err, AnnotationErrors) and len(err.errors) == 3
    lines = str(err).splitlines()
    assert lines[0] == "3 errors in 3 input files:"
    assert lines[1].endswith("det/res_img_2.txt:2: expected 4 points x1,y1,...,x4,y4 (8 integers), got 3 fields")
    assert lines[2].endswith("det/res_img_3.txt:1: points are not clockwise in image coordinates (y down); the RRC kit rejects this")
    assert lines[3].startswith(str(gt / "gt_img_1.txt") + ":2: ")
    import pickle

    assert str(pickle.loads(pickle.dumps(err))) == str(err)
    assert main(["evaluate", "--protocol", "icdar2015", "--gt", str(gt), "--det", str(det)]) == 2
    printed = capsys.readouterr().err
    assert "res_img_2.txt:2:" in printed and "res_img_3.txt:1:" in printed and "gt_img_1.txt:2:" in printed


def test_cli_images_option(tmp_path, capsys):
    gt, det = ic15_case(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "img_3.png").write_bytes(b"")
    (det / "res_img_3.txt").write_text("50,50,60,50,60,60,50,60\n")
    assert main(["evaluate", "--protocol", "icdar2015", "--gt", str(gt), "--det", str(det), "--images", str(tmp_path / "images")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["n_images"], printed["n_det"], printed["images_without_gt"]) == (3, 3, ["img_3"])
