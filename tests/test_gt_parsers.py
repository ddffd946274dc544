"""Native ground-truth parsers and the detection-file parser (textsr.data.gt)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import needs_samples

from textsr.data.gt import (
    AnnotationError,
    read_ctw1500_gt,
    read_detections,
    read_icdar2013_gt,
    read_icdar2015_gt,
    read_icdar2017_gt,
    read_msra_td500_gt,
    read_totaltext_mat,
    read_totaltext_txt,
    rotated_rect_corners,
)
from textsr.data.gt import ctw1500, detections, icdar, msra_td500, totaltext


def write(path, text: str, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- file names -> image stems


@pytest.mark.parametrize(
    "module, name, stem",
    [
        (icdar, "gt_img_1.txt", "img_1"),
        (icdar, "gt_100.txt", "100"),
        (icdar, "img_1.jpg", None),
        (msra_td500, "IMG_0445.gt", "IMG_0445"),
        (msra_td500, "IMG_0445.JPG", None),
        (ctw1500, "1001.txt", "1001"),
        (ctw1500, "0001001.txt", "1001"),
        (ctw1500, "test.txt", None),
        (totaltext, "poly_gt_img3.mat", "img3"),
        (totaltext, "poly_gt_img3.txt", "img3"),
        (detections, "res_img_12.txt", "img_12"),
        (detections, "img_12.txt", None),
    ],
)
def test_file_name_to_image_stem(module, name, stem):
    fn = module.det_stem if module is detections else module.gt_stem
    assert fn(name) == stem


# ---------------------------------------------------------------- ICDAR


@needs_samples
def test_icdar2015_real_gt_with_bom(samples):
    folder = samples / "icdar2015" / "ch4_training_localization_transcription_gt"
    regions = read_icdar2015_gt(folder / "gt_img_1.txt")
    assert len(regions) == 7
    # the BOM does not leak into the first number
    assert regions[0].points.tolist() == [[377, 117], [463, 117], [465, 130], [378, 130]]
    assert regions[0].text == "Genaxis Theatre" and regions[1].text == "[06]"
    assert [r.dontcare for r in regions] == [False, False, True, False, False, True, True]
    assert all(r.dontcare for r in read_icdar2015_gt(folder / "gt_img_4.txt"))  # img_4 is all ###


def test_icdar2015_crlf_bom_quotes_commas_and_blank_lines(tmp_path):
    p = write(tmp_path / "gt_img_9.txt", '\ufeff1,2,3,4,5,6,7,8,"say \\"hi\\", ok"\r\n\r\n  \r\n-1, 2 ,3,4,5,6,7,8,a,b\r\n9,9,9,9,9,9,9,9,###')
    regions = read_icdar2015_gt(p)
    assert [r.text for r in regions] == ['say "hi", ok', "a,b", "###"]
    assert [r.line for r in regions] == [1, 4, 5]
    assert regions[1].points[0].tolist() == [-1, 2]
    assert [r.dontcare for r in regions] == [False, False, True]


def test_icdar2015_empty_file_is_valid(tmp_path):
    assert read_icdar2015_gt(write(tmp_path / "gt_img_1.txt", "")) == []
    assert read_icdar2015_gt(write(tmp_path / "gt_img_2.txt", "\ufeff\r\n")) == []


@pytest.mark.parametrize("line", ["1,2,3,4,5,6,7,8", "1,2,3,4,5,6,7,8.5,x", "a,2,3,4,5,6,7,8,x"])
def test_icdar2015_malformed_line_names_file_and_line(tmp_path, line):
    p = write(tmp_path / "gt_img_1.txt", "1,2,3,4,5,6,7,8,ok\n" + line + "\n")
    with pytest.raises(AnnotationError, match=r"gt_img_1\.txt:2: ") as info:
        read_icdar2015_gt(p)
    assert info.value.line == 2 and info.value.path.endswith("gt_img_1.txt")


def test_icdar2013_test_and_train_styles(tmp_path):
    test = read_icdar2013_gt(write(tmp_path / "gt_img_1.txt", '38, 43, 920, 215, "Tiredness"\r\n275, 264, 665, 450, "###"\r\n'))
    assert test[0].points.tolist() == [[38, 43], [920, 43], [920, 215], [38, 215]]
    assert (test[0].text, test[1].dontcare) == ("Tiredness", True)
    train = read_icdar2013_gt(write(tmp_path / "gt_100.txt", '158 128 411 181 "Footpath"\n'))
    assert train[0].points[2].tolist() == [411, 181] and train[0].text == "Footpath"
    with pytest.raises(AnnotationError, match=r"gt_bad\.txt:1: xmax \(10\) < xmin \(20\)"):
        read_icdar2013_gt(write(tmp_path / "gt_bad.txt", '20, 0, 10, 5, "x"\n'))
    # an ICDAR2015 quad line would match the RRC box regex with (0,0)-(10,0) as the box: refused
    with pytest.raises(AnnotationError, match=r"gt_quad\.txt:1: 8 coordinates"):
        read_icdar2013_gt(write(tmp_path / "gt_quad.txt", "0,0,10,0,10,10,0,10,word\n"))


def test_icdar2017_script_field(tmp_path):
    regions = read_icdar2017_gt(write(tmp_path / "gt_img_1.txt", "\ufeff131,34,181,34,179,47,131,49,Latin,Castle, old\n1,1,2,1,2,2,1,2,None,###\n"))
    assert [(r.script, r.text, r.dontcare) for r in regions] == [("Latin", "Castle, old", False), ("None", "###", True)]


# ---------------------------------------------------------------- MSRA-TD500


@needs_samples
def test_msra_td500_real_gt_crlf_radians(samples):
    regions = read_msra_td500_gt(samples / "msra_td500" / "test" / "IMG_0445.gt")
    assert len(regions) == 7
    assert [r.dontcare for r in regions] == [False] * 5 + [True] * 2
    # line 1 "0 0 730 437 136 22 -0.362544": centre (730 + 68, 437 + 11) = (798, 448); cos = 0.934998,
    # sin = -0.354654. TL: x = 798 - 68 cos - (-11)(sin) = 798 - 63.580 - 3.901 = 730.519 -> 731,
    #                      y = 448 + (-68) sin + (-11) cos = 448 + 24.117 - 10.285 = 461.831 -> 462
    # TR (dx = +68): (857.679, 413.599); BR (+68, +11): (865.481, 434.168); BL (-68, +11): (738.321, 482.401)
    assert regions[0].points.tolist() == [[731, 462], [858, 414], [865, 434], [738, 482]]
    assert regions[0].angle == pytest.approx(-0.362544)
    assert read_msra_td500_gt(samples / "msra_td500" / "train" / "IMG_1579.gt") == []  # empty: no text


def test_rotated_rect_rounds_half_away_from_zero():
    # theta 0: corners are x, x + w exactly; 0.5 -> 1, 2.5 -> 3 (Python's round would give 0 and 2)
    assert rotated_rect_corners(0.5, 0, 2, 2, 0).tolist() == [[1, 0], [3, 0], [3, 2], [1, 2]]
    # -2.5 -> -3, -0.5 -> -1
    assert rotated_rect_corners(-2.5, 0, 2, 2, 0)[:2].tolist() == [[-3, 0], [-1, 0]]


@pytest.mark.parametrize("line, reason", [("0 0 1 2 3 4", "expected 7 fields"), ("0 2 1 2 3 4 0.1", "0 or 1"), ("0 0 1 2 x 4 0.1", "not a number")])
def test_msra_td500_malformed(tmp_path, line, reason):
    p = write(tmp_path / "IMG_1.gt", "0 0 1 2 3 4 0.0\r\n" + line + "\r\n")
    with pytest.raises(AnnotationError, match=r"IMG_1\.gt:2: .*" + reason):
        read_msra_td500_gt(p)


# ---------------------------------------------------------------- Total-Text


@needs_samples
def test_totaltext_real_mat_files(samples):
    folder = samples / "totaltext" / "Groundtruth" / "Polygon" / "Test"
    img1 = read_totaltext_mat(folder / "poly_gt_img1.mat")
    assert len(img1) == 1 and img1[0].text == "PETROSAINS" and img1[0].extra["orientation"] == "c"
    assert img1[0].points[:, 0].tolist() == [206, 251, 386, 542, 620, 646, 550, 358, 189, 140]
    img2 = read_totaltext_mat(folder / "poly_gt_img2.mat")
    assert len(img2) == 9 and [i for i, r in enumerate(img2) if r.dontcare] == [7, 8]
    counts = {n: len(read_totaltext_mat(folder / f"poly_gt_img{n}.mat")) for n in range(1, 6)}
    assert counts == {1: 1, 2: 9, 3: 4, 4: 12, 5: 1}


@needs_samples
def test_totaltext_txt_equals_mat(samples, tmp_path):
    # the .txt release of img3's GT (numbers padded, the NURS record wrapped over two lines, CRLF)
    text = (
        "x: [[697 890 892 694]], y: [[196 202 261 259]], ornt: [u'h'], transcriptions: [u'KELUAR']\r\n"
        "x: [[428 599 788 737 616 446]], y: [[376 340 417 454 394 420]], ornt: [u'c'], transcriptions: [u'naughty']\r\n"
        "x: [[446 613 755 748 568 439]], y: [[432 403 462 525\r\n  564 508]], ornt: [u'c'], transcriptions: [u'NURS']\r\n"
        "x: [[ 431  536  619  724  757  625  509  403]], y: [[510 564 571 526 556 624 615 543]], ornt: [u'c'], transcriptions: [u'restaurant']\r\n"
    )
    from_txt = read_totaltext_txt(write(tmp_path / "poly_gt_img3.txt", text))
    from_mat = read_totaltext_mat(samples / "totaltext" / "Groundtruth" / "Polygon" / "Test" / "poly_gt_img3.mat")
    assert [r.points.tolist() for r in from_txt] == [r.points.tolist() for r in from_mat]
    assert [r.text for r in from_txt] == [r.text for r in from_mat] == ["KELUAR", "naughty", "NURS", "restaurant"]
    assert [r.line for r in from_txt] == [1, 2, 3, 5]


def test_totaltext_txt_dontcare_and_errors(tmp_path):
    regions = read_totaltext_txt(write(tmp_path / "poly_gt_img1.txt", "x: [[1 2 3]], y: [[4 5 6]], ornt: [u'#'], transcriptions: [u'#']\n"))
    assert regions[0].dontcare and regions[0].points.tolist() == [[1, 4], [2, 5], [3, 6]]
    with pytest.raises(AnnotationError, match=r"poly_gt_img2\.txt:1: 3 x values but 2 y values"):
        read_totaltext_txt(write(tmp_path / "poly_gt_img2.txt", "x: [[1 2 3]], y: [[4 5]], ornt: [u'c'], transcriptions: [u'a']\n"))
    with pytest.raises(AnnotationError, match=r"poly_gt_img3\.txt:2: expected x: "):
        read_totaltext_txt(write(tmp_path / "poly_gt_img3.txt", "x: [[1 2 3]], y: [[4 5 6]], ornt: [u'c'], transcriptions: [u'a']\nx: nonsense\n"))


def test_totaltext_mat_without_polygt_is_an_error(tmp_path):
    from scipy import io

    io.savemat(tmp_path / "poly_gt_img1.mat", {"other": np.zeros(3)})
    with pytest.raises(AnnotationError, match=r"poly_gt_img1\.mat:0: no variable 'polygt'"):
        read_totaltext_mat(tmp_path / "poly_gt_img1.mat")


# ---------------------------------------------------------------- CTW1500


def test_ctw1500_original_and_updated_lines(tmp_path):
    # original: xmin, ymin, xmax, ymax, then 14 offsets from (xmin, ymin): first vertex (56 + 0, 506 + 0),
    # second (56 + 33, 506 + 0) (the first line of the real train file 0001.txt starts "56,506,259,531,0,0,33,0")
    offsets = [0, 0, 33, 0, 67, 0, 101, 0, 135, 0, 169, 0, 203, 0, 203, 25, 169, 25, 135, 25, 101, 25, 67, 25, 33, 25, 0, 25]
    line1 = ",".join(map(str, [56, 506, 259, 531] + offsets))
    updated = ",".join(str(v) for v in range(28)) + ",####Hello, world"
    ignored = ",".join(str(v) for v in range(28)) + ",#######"
    regions = read_ctw1500_gt(write(tmp_path / "1001.txt", line1 + "\r\n" + updated + "\r\n" + ignored + "\r\n"))
    assert regions[0].points[:2].tolist() == [[56, 506], [89, 506]] and regions[0].points.shape == (14, 2)
    assert regions[0].extra["format"] == "original" and not regions[0].dontcare
    assert (regions[1].text, regions[1].dontcare, regions[1].points[1].tolist()) == ("Hello, world", False, [2, 3])
    assert (regions[2].text, regions[2].dontcare) == ("###", True)


def test_ctw1500_malformed(tmp_path):
    with pytest.raises(AnnotationError, match=r"1002\.txt:1: expected 32 integers"):
        read_ctw1500_gt(write(tmp_path / "1002.txt", "1,2,3\n"))


# ---------------------------------------------------------------- detection files


def test_detection_kinds(tmp_path):
    p = write(tmp_path / "res_a.txt", "\ufeff0,0,10,0,10,10,0,10,\r\n\r\n5,5,9,9\r\n")
    quads = read_detections(write(tmp_path / "res_q.txt", "0,0,10,0,10,10,0,10,\r\n"), "quad")
    assert quads[0].points.tolist() == [[0, 0], [10, 0], [10, 10], [0, 10]] and quads[0].line == 1
    boxes = read_detections(p, "box")
    assert [b.line for b in boxes] == [1, 3] and boxes[1].ltrb
    assert boxes[1].points.tolist() == [[5, 5], [9, 5], [9, 9], [5, 9]]
    conf = read_detections(write(tmp_path / "res_c.txt", "0,0,1,0,1,1,0,1,0.75\n"), "quad-confidence")
    assert conf[0].confidence == 0.75
    poly = read_detections(write(tmp_path / "res_p.txt", "0,0,4,0,4,4,2,6,0,4\n"), "polygon")
    assert poly[0].points.shape == (5, 2)
    flt = read_detections(write(tmp_path / "res_f.txt", "0.5,0,4,0,4,4.25\n"), "polygon-float")
    assert flt[0].points.tolist() == [[0.5, 0], [4, 0], [4, 4.25]]
    assert read_detections(write(tmp_path / "res_e.txt", ""), "quad") == []


@pytest.mark.parametrize(
    "kind, line, reason",
    [
        ("quad", "0,0,1,0,1,1,0,1,0.9", "expected 4 points"),
        ("quad", "0,0,1,0,1,1,0,1.0", "is not an integer"),
        ("quad-confidence", "0,0,1,0,1,1,0,1,x", "confidence 'x' is not a number"),
        ("box", "0,0,1", "expected xmin,ymin,xmax,ymax or a polygon"),
        ("polygon", "0,0,1,0", "polygon of 3\\+ x,y points"),
        ("polygon", "0,0,1,0,1,1,7", "polygon of 3\\+ x,y points"),
        ("polygon", "0,0,1.5,0,1,1", "is not an integer"),
        ("polygon-float", "0,0,1,0,1,nan", "is not finite"),
    ],
)
def test_malformed_detection_line(tmp_path, kind, line, reason):
    p = write(tmp_path / "res_img_3.txt", "0,0,1,0,1,1,0,1\n" + line + "\n")
    with pytest.raises(AnnotationError, match=r"res_img_3\.txt:2: .*" + reason):
        read_detections(p, kind)
