"""Replicas of the RRC-style detection sets: ICDAR 2013, ICDAR 2015, ICDAR 2017 MLT, MSRA-TD500."""

from __future__ import annotations

from typing import Any

import numpy as np

from .files import _crlf, _jpeg, _png
from .scenes import ODD_PAD, _box, _Ctx, _result, _scene, _split

DONTCARE_RRC = "###"


def _icdar2013(ctx: _Ctx) -> dict[str, Any]:
    """Flat zips (datasets.md 1.4, MMOCR icdar2013 mapping to the zip's own folder): train `100.jpg`..,
    `gt_100.txt` space separated `xmin ymin xmax ymax "text"`; test `img_1.jpg`.., `gt_img_1.txt`
    `xmin, ymin, xmax, ymax, "text"` (comma + space). Axis-aligned words, no don't-care (IC13 has none)."""
    splits, names = {}, []
    for k, (split, stems, img_zip, gt_zip) in enumerate((
            ("train", ["100", "101"], "Challenge2_Training_Task12_Images.zip", "Challenge2_Training_Task1_GT.zip"),
            ("test", ["img_1", "img_2"], "Challenge2_Test_Task12_Images.zip", "Challenge2_Test_Task1_GT.zip"))):
        images, gts, regions = {}, {}, 0
        for i, stem in enumerate(stems):
            img, words = _scene(ctx.rng_seed(13, k, i), 320, 240, 6, pad=ODD_PAD if stem == "img_2" else (0, 0))
            images[f"{stem}.jpg"] = _jpeg(img)
            sep = " " if split == "train" else ", "
            lines = [sep.join(str(v) for v in _box(w)) + f'{sep}"{w.text}"' for w in words]
            # guessed: line endings of the IC13 GT (not documented; CRLF as the RRC evaluation kits' GT)
            gts[f"gt_{stem}.txt"] = _crlf("".join(line + "\n" for line in lines)).encode("utf-8")
            regions += len(words)
        # secondary: flat zips, image and GT names, both GT formats (MMOCR icdar2013 textdet.py mapping, gatherer
        # and sample_anno.md; datasets.md 1.4); guessed: no BOM in the IC13 GT
        names += [ctx.zip(img_zip, images), ctx.zip(gt_zip, gts)]
        splits[split] = _split(list(images), {"rrc": (list(gts), regions)})
    return _result(ctx, names, splits, real=False)


def _rrc_quads(words, *, script: str | None = None) -> str:
    lines = []
    for w in words:
        coords = ",".join(str(int(v)) for v in w.quad.reshape(-1))
        text = DONTCARE_RRC if w.dontcare else w.text
        if script is not None:
            # guessed: the script field of don't-care regions ("None" is one of MLT's listed scripts)
            coords += "," + ("None" if w.dontcare else script)
        lines.append(f"{coords},{text}")
    return "".join(line + "\n" for line in lines)


def _icdar2015(ctx: _Ctx) -> dict[str, Any]:
    """Flat zips: `img_N.jpg`, `gt_img_N.txt` (x1,...,y4,transcription). Train GT: UTF-8 BOM (the real samples:
    BOM + LF, byte-exact); test GT: CRLF, no BOM (the RRC evaluation-kit gt.zip, datasets.md 1.5).

    With samples, the test split is built from training images img_1..img_3 standing in for test images (their GT
    converted to the test conventions); the real test images are not in the samples.
    """
    src = "icdar2015/ch4_training_images/img_{k}.jpg"
    src_gt = "icdar2015/ch4_training_localization_transcription_gt/gt_img_{k}.txt"
    real = all(ctx.sample(src.format(k=k)) and ctx.sample(src_gt.format(k=k)) for k in range(1, 5))
    train_img, train_gt, test_img, test_gt = {}, {}, {}, {}
    if real:
        for k in range(1, 5):
            train_img[f"img_{k}.jpg"] = ctx.sample(src.format(k=k)).read_bytes()
            train_gt[f"gt_img_{k}.txt"] = ctx.sample(src_gt.format(k=k)).read_bytes()
        for k in range(1, 4):  # training images standing in for the test split (see the docstring)
            test_img[f"img_{k}.jpg"] = train_img[f"img_{k}.jpg"]
            text = train_gt[f"gt_img_{k}.txt"].decode("utf-8-sig")
            test_gt[f"gt_img_{k}.txt"] = _crlf(text).encode("utf-8")
    else:
        for split, n, img_out, gt_out in (("train", 3, train_img, train_gt), ("test", 2, test_img, test_gt)):
            for k in range(1, n + 1):
                img, words = _scene(ctx.rng_seed(15, int(split == "test"), k), 320, 240, 7, dontcare_fraction=0.15,
                                    max_angle=10.0, perspective=0.1)
                img_out[f"img_{k}.jpg"] = _jpeg(img)
                text = _rrc_quads(words)
                gt_out[f"gt_img_{k}.txt"] = (("\ufeff" + text) if split == "train" else _crlf(text)).encode()
    regions = {name: sum(1 for line in data.decode("utf-8-sig").splitlines() if line.strip())
               for name, data in {**train_gt, **{"test/" + k: v for k, v in test_gt.items()}}.items()}
    # secondary: flat zips and names (MMOCR icdar2015 textdet.py); test GT CRLF without BOM (the RRC kit's gt.zip
    # in Yuliang-Liu/TIoU-metric, datasets.md 1.5)
    names = [ctx.zip("ch4_training_images.zip", train_img),
             ctx.zip("ch4_training_localization_transcription_gt.zip", train_gt),
             ctx.zip("ch4_test_images.zip", test_img),
             ctx.zip("Challenge4_Test_Task4_GT.zip", test_gt)]
    splits = {
        "train": _split(list(train_img), {"rrc": (list(train_gt), sum(regions[n] for n in train_gt))}),
        "test": _split(list(test_img), {"rrc": (list(test_gt), sum(regions["test/" + n] for n in test_gt))}),
    }
    return _result(ctx, names, splits, real=real)


def _icdar2017_mlt(ctx: _Ctx) -> dict[str, Any]:
    """Eight training-image zips, one GT zip, validation images + GT; all flat (MMOCR mlt mapping `mlt_1/*`,
    `mlt_val_img`, `mlt_train_gt/`). GT `gt_img_N.txt`: `x1,...,y4,script,transcription`, UTF-8 with BOM
    (MMOCR parses with utf-8-sig)."""
    names, splits = [], {}
    train_gt, regions = {}, 0
    for part in range(1, 9):
        # guessed: which image ids each part holds (7200 images in 8 parts: 900 each, in id order)
        k = (part - 1) * 900 + 1
        img, words = _scene(ctx.rng_seed(17, 0, part), 320, 240, 5, dontcare_fraction=0.15, max_angle=8.0)
        # secondary: "expect a few non-JPEG files" (datasets.md 1.6, from a third-party loader accepting .gif/.png)
        fname = f"img_{k}.png" if part == 8 else f"img_{k}.jpg"
        names.append(ctx.zip(f"ch8_training_images_{part}.zip",
                             {fname: _png(img) if fname.endswith(".png") else _jpeg(img)}))
        # guessed: line endings of the MLT GT (CRLF)
        train_gt[f"gt_img_{k}.txt"] = ("\ufeff" + _crlf(_rrc_quads(words, script="Latin"))).encode("utf-8")
        regions += len(words)
    # secondary: flat zips, names, BOM (MMOCR mlt textdet.py @ abc6b7f5, a PR revision; datasets.md 1.6)
    names.append(ctx.zip("ch8_training_localization_transcription_gt_v2.zip", train_gt))
    splits["train"] = _split([f"img_{(p - 1) * 900 + 1}.{'png' if p == 8 else 'jpg'}" for p in range(1, 9)],
                             {"rrc": (list(train_gt), regions)})
    val_img, val_gt, regions = {}, {}, 0
    for k in (1, 2):
        img, words = _scene(ctx.rng_seed(17, 1, k), 320, 240, 6, dontcare_fraction=0.15, max_angle=8.0)
        val_img[f"img_{k}.jpg"] = _jpeg(img)
        val_gt[f"gt_img_{k}.txt"] = ("\ufeff" + _crlf(_rrc_quads(words, script="Latin"))).encode("utf-8")
        regions += len(words)
    names += [ctx.zip("ch8_validation_images.zip", val_img),
              ctx.zip("ch8_validation_localization_transcription_gt_v2.zip", val_gt)]
    splits["validation"] = _split(list(val_img), {"rrc": (list(val_gt), regions)})
    return _result(ctx, names, splits, real=False)


def _td500_line(index: int, word) -> str:
    """`index difficult x y w h angle`: the unrotated rectangle (x, y top-left) and its rotation about the centre
    in radians, positive clockwise on screen (datasets.md 1.7)."""
    q = word.quad.astype(np.float64)
    c = q.mean(axis=0)
    w, h = np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[0])
    angle = float(np.arctan2(q[1, 1] - q[0, 1], q[1, 0] - q[0, 0]))
    return f"{index} {int(word.dontcare)} {round(c[0] - w / 2)} {round(c[1] - h / 2)} {round(w)} {round(h)} {angle:.6f}"


def _msra_td500(ctx: _Ctx) -> dict[str, Any]:
    """`MSRA-TD500/{train,test}/IMG_NNNN.JPG` + `IMG_NNNN.gt` (CRLF) and the Readme.doc beside the split folders
    (secondary: mindocr td500.md and the full copy in rudolflam/comp_vision_project, datasets.md 1.7)."""
    stems = {"train": ["IMG_1545", "IMG_1579"], "test": ["IMG_0445", "IMG_1696"]}
    real = all(ctx.sample(f"msra_td500/{s}/{n}.{ext}") for s, ns in stems.items() for n in ns for ext in ("JPG", "gt"))
    members: dict[str, bytes] = {}
    splits = {}
    for k, (split, ns) in enumerate(stems.items()):
        regions = 0
        for i, stem in enumerate(ns):
            if real:
                img = ctx.sample(f"msra_td500/{split}/{stem}.JPG").read_bytes()
                gt = ctx.sample(f"msra_td500/{split}/{stem}.gt").read_bytes()
            elif stem == "IMG_1579":  # the real set has nine empty .gt files (no text); keep one
                img, gt = _jpeg(np.full((240, 320, 3), 200, np.uint8)), b""
            else:
                image, words = _scene(ctx.rng_seed(500, k, i), 320, 240, 5, dontcare_fraction=0.15, max_angle=20.0)
                img = _jpeg(image)
                gt = _crlf("".join(_td500_line(j, w) + "\n" for j, w in enumerate(words))).encode("ascii")
            members[f"MSRA-TD500/{split}/{stem}.JPG"] = img
            members[f"MSRA-TD500/{split}/{stem}.gt"] = gt
            regions += len(gt.splitlines())
        splits[split] = _split([f"{n}.JPG" for n in ns], {"td500": ([f"{n}.gt" for n in ns], regions)})
    # secondary: the readme's name (mindocr td500.md); its content here is a placeholder
    members["MSRA-TD500/MSRA Text Detection 500 Database (MSRA-TD500) Readme.doc"] = b"replica: not the real readme"
    name = ctx.zip("MSRA-TD500.zip", members, folders=["MSRA-TD500", "MSRA-TD500/train", "MSRA-TD500/test"])
    return _result(ctx, [name], splits, real=real)
