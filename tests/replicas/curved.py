"""Replicas of the curved-text detection sets: SCUT-CTW1500 (box mirrors and the original release), Total-Text."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from .files import _cell, _jpeg, _matfile
from .rrc import DONTCARE_RRC
from .scenes import ODD_PAD, _Ctx, _ink_polygon, _result, _scene, _split

def _ctw_xml(image_name: str, words, polys) -> bytes:
    """Annotations-v2 XML (Curve-Text-Detector data/README.md example): <box height left top width> with <label>,
    <segs> (14 absolute points = 28 ints) and per-character <pts/> (here one point per word: their centre)."""
    # guessed: the XML declaration and indentation (the README shows the element tree only)
    out = ["<Annotations>", f'  <image file="{image_name}">']
    for w, p in zip(words, polys):
        x0, y0 = p.min(axis=0)
        x1, y1 = p.max(axis=0)
        c = p.mean(axis=0)
        out += [f'    <box height="{y1 - y0}" left="{x0}" top="{y0}" width="{x1 - x0}">',
                f"      <label>{w.text}</label>",
                "      <segs>" + ",".join(str(int(v)) for v in p.reshape(-1)) + "</segs>",
                f'      <pts x="{round(c[0])}" y="{round(c[1])}" />',
                "    </box>"]
    out += ["  </image>", "</Annotations>"]
    return ("\n".join(out) + "\n").encode("utf-8")


def _ctw_original(polys) -> bytes:
    """Original release: `xmin,ymin,xmax,ymax` + 14 (dx, dy) offsets from (xmin, ymin), 32 ints (CTD data/README)."""
    lines = []
    for p in polys:
        x0, y0 = p.min(axis=0)
        x1, y1 = p.max(axis=0)
        offsets = (p - (x0, y0)).reshape(-1)
        lines.append(",".join(str(int(v)) for v in [x0, y0, x1, y1, *offsets]))
    # guessed: LF line endings of the original and the 2020 label files
    return "".join(line + "\n" for line in lines).encode("ascii")


def _ctw_2020(words, polys, dontcare: set[int]) -> bytes:
    """Updated test labels: `x1,y1,...,x14,y14,####text`, `###` = don't care (MMOCR ctw1500_parser)."""
    lines = [",".join(str(int(v)) for v in p.reshape(-1)) + ",####" + (DONTCARE_RRC if i in dontcare else w.text)
             for i, (w, p) in enumerate(zip(words, polys))]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _ctw1500(ctx: _Ctx) -> dict[str, Any]:
    """Box-mirror zips under MMOCR's save_names (`train_images/`, `ctw1500_train_labels/`, `test_images/`, flat
    `000NNNN.txt`) and the original release `ctw1500.zip` (`ctw1500/{train,test}/...`). Curved single words stand in
    for CTW-1500's text lines. The original labels have no don't-care notion, and the 2020 labels mark all Chinese
    text `###` (CTD README): in each test image the 2020 labels mark the shortest word `###`, the original keeps it
    as a region (so both describe the same, legible, words)."""
    stems = {"train": ["0001", "0002"], "test": ["1001", "1002"]}
    scenes, dontcare_2020 = {}, {}
    for k, (split, ns) in enumerate(stems.items()):
        for i, stem in enumerate(ns):
            img, words = _scene(ctx.rng_seed(1500, k, i), 320, 240, 5, curve_prob=0.7, max_curve=0.6,
                                pad=ODD_PAD if stem == "1002" else (0, 0))
            scenes[stem] = (_jpeg(img), words, [_ink_polygon(w, 7) for w in words])
            dontcare_2020[stem] = {int(np.argmin([len(w.text) for w in words]))}
    names, splits = [], {}
    # secondary: folders inside the box.com zips and the 000-prefixed 2020 names (MMOCR ctw1500 textdet.py mapping
    # and gatherer); the original release's tree (Curve-Text-Detector data/README.md)
    train_imgs = {f"train_images/{s}.jpg": scenes[s][0] for s in stems["train"]}
    names.append(ctx.zip("ctw1500_train_images.zip", train_imgs, folders=["train_images"]))
    xml = {f"ctw1500_train_labels/{s}.xml": _ctw_xml(f"{s}.jpg", scenes[s][1], scenes[s][2]) for s in stems["train"]}
    names.append(ctx.zip("ctw1500_train_labels.zip", xml, folders=["ctw1500_train_labels"]))
    test_imgs = {f"test_images/{s}.jpg": scenes[s][0] for s in stems["test"]}
    names.append(ctx.zip("ctw1500_test_images.zip", test_imgs, folders=["test_images"]))
    names.append(ctx.zip("ctw1500_test_labels.zip",
                         {f"000{s}.txt": _ctw_2020(*scenes[s][1:], dontcare_2020[s]) for s in stems["test"]}))
    original: dict[str, bytes] = {}
    for split, listname in (("train", "trainval"), ("test", "test")):
        for s in stems[split]:
            original[f"ctw1500/{split}/text_image/{s}.jpg"] = scenes[s][0]
            original[f"ctw1500/{split}/text_label_curve/{s}.txt"] = _ctw_original(scenes[s][2])
        # guessed: the list files' content (one file name per line)
        original[f"ctw1500/{split}/{listname}.txt"] = "".join(f"{s}.jpg\n" for s in stems[split]).encode()
        original[f"ctw1500/{split}/{listname}_label_curve.txt"] = "".join(f"{s}.txt\n" for s in stems[split]).encode()
    names.append(ctx.zip("ctw1500.zip", original))
    n_regions = {split: sum(len(scenes[s][1]) for s in ns) for split, ns in stems.items()}
    splits["train"] = _split([f"{s}.jpg" for s in stems["train"]],
                             {"xml": ([f"{s}.xml" for s in stems["train"]], n_regions["train"])})
    splits["test"] = _split([f"{s}.jpg" for s in stems["test"]],
                            {"original": ([f"{s}.txt" for s in stems["test"]], n_regions["test"]),
                             "2020": ([f"000{s}.txt" for s in stems["test"]], n_regions["test"])})
    return _result(ctx, names, splits, real=False)


def _tt_numbers(values: np.ndarray) -> str:
    """A 1 x n int row as numpy prints it (`[[ 734 1058 1061  744]]`), wrapped at 75 columns."""
    return np.array2string(np.asarray(values, dtype=np.int64).reshape(1, -1), separator=" ", max_line_width=75)


def _tt_record(xs, ys, ornt: str, text: str) -> str:
    """One legacy txt record. guessed: that wrapped records are numpy's 75-column line wrapping of long x / y rows
    (datasets.md 1.9 says only that records may wrap; MMOCR joins lines not starting with `x:`)."""
    return (f"x: {_tt_numbers(xs)}, y: {_tt_numbers(ys)}, ornt: [u'{ornt}'], "
            f"transcriptions: [u'{text}']\n")


def _tt_rows(words, polys) -> list[list[Any]]:
    rows = []
    for w, p in zip(words, polys):
        ornt = "#" if w.dontcare else ("c" if w.curve else "h")
        rows.append(["x:", p[:, 0].astype(np.int16).reshape(1, -1), "y:", p[:, 1].astype(np.int16).reshape(1, -1),
                     "#" if w.dontcare else w.text, ornt])
    return rows


def _tt_txt(rows: list[list[Any]]) -> bytes:
    # guessed: LF line endings of txt_format.zip
    return "".join(_tt_record(r[1].ravel(), r[3].ravel(), r[5], r[4]) for r in rows).encode("utf-8")


def _tt_suffix(stem: str) -> str:
    """secondary: some Total-Text images end in upper-case .JPG (MMOCR's gatherer accepts .jpg and .JPG); which
    ones is not known: img1001 here."""
    return ".JPG" if stem == "img1001" else ".jpg"


def _totaltext(ctx: _Ctx) -> dict[str, Any]:
    """`totaltext.zip` (`Images/{Train,Test}/imgN.jpg`), `groundtruth_text.zip` (`Groundtruth/Polygon/{Train,Test}/
    poly_gt_imgN.mat`, plus the `Rectangular` folder the Total-Text README describes) and `txt_format.zip`
    (`{Train,Test}/poly_gt_imgN.txt`). Test img3 is the real sample with its official .mat; its .txt twin is
    written from the same cells. The synthetic test image has one curved word with 10 + 10 vertices, whose
    record wraps (numpy's line width)."""
    img3, mat3 = ctx.sample("totaltext/Images/Test/img3.jpg"), ctx.sample(
        "totaltext/Groundtruth/Polygon/Test/poly_gt_img3.mat")
    real = img3 is not None and mat3 is not None
    stems = {"Train": ["img11", "img1001"], "Test": ["img3", "img7"]}
    images, mats, txts, rects, regions = {}, {}, {}, {}, {}
    for k, (folder, ns) in enumerate(stems.items()):
        for i, stem in enumerate(ns):
            if stem == "img3" and real:
                from scipy import io as sio

                images[f"Images/{folder}/{stem}.jpg"] = img3.read_bytes()
                mat_bytes = mat3.read_bytes()
                rows = [list(r) for r in sio.loadmat(io.BytesIO(mat_bytes))["polygt"]]
                rows = [[r[0], r[1], r[2], r[3], str(np.asarray(r[4]).ravel()[0]), str(np.asarray(r[5]).ravel()[0])]
                        for r in rows]
            else:
                img, words = _scene(ctx.rng_seed(2017, k, i), 320, 240, 6, curve_prob=0.7, max_curve=0.6,
                                    dontcare_fraction=0.15, pad=ODD_PAD if stem == "img7" else (0, 0))
                # in the test image, the rightmost word gets 10 + 10 vertices: 20 numbers of 3 digits print wider
                # than 75 columns, so its record wraps
                long_one = int(np.argmax([w.quad[:, 0].max() for w in words])) if folder == "Test" else -1
                polys = [_ink_polygon(w, 10 if j == long_one else 5) for j, w in enumerate(words)]
                rows = _tt_rows(words, polys)
                images[f"Images/{folder}/{stem}{_tt_suffix(stem)}"] = _jpeg(img)
                mat_bytes = _matfile(_cell(rows))
            mats[f"Groundtruth/Polygon/{folder}/poly_gt_{stem}.mat"] = mat_bytes
            txts[f"{folder}/poly_gt_{stem}.txt"] = _tt_txt(rows)
            # secondary: the Rectangular folder and its columns (Total-Text Groundtruth/Text/README.md);
            # guessed: its file and variable names (rect_gt_imgN.mat, `rectgt`)
            rects[f"Groundtruth/Rectangular/{folder}/rect_gt_{stem}.mat"] = _matfile(_cell([
                [int(r[1].min()), int(r[3].min()), int(r[1].max()), int(r[3].max()), int(np.ptp(r[1])),
                 int(np.ptp(r[3])), r[4], r[5]] for r in rows]), "rectgt")
            regions[stem] = len(rows)
    # secondary: Images/{Train,Test} inside totaltext.zip, {Train,Test} inside txt_format.zip (MMOCR totaltext
    # textdet.py mapping), Groundtruth/Polygon/{Train,Test} inside groundtruth_text.zip (MMOCR 0.x det.md)
    names = [ctx.zip("totaltext.zip", images, folders=["Images", "Images/Train", "Images/Test"]),
             ctx.zip("groundtruth_text.zip", {**mats, **rects}),
             ctx.zip("txt_format.zip", txts, folders=["Train", "Test"])]
    splits = {}
    for split, folder in (("train", "Train"), ("test", "Test")):
        ns, n = stems[folder], sum(regions[s] for s in stems[folder])
        splits[split] = _split([f"{s}{_tt_suffix(s)}" for s in ns], {"mat": ([f"poly_gt_{s}.mat" for s in ns], n),
                                                          "txt": ([f"poly_gt_{s}.txt" for s in ns], n)})
    return _result(ctx, names, splits, real=real)
