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

Modules, by dataset family: `rrc` (ICDAR 2013 / 2015 / 2017 MLT, MSRA-TD500), `curved` (SCUT-CTW1500, Total-Text),
`sr` (DIV2K, the SR benchmark sets, a user's folder), `textzoom`, `weights` (RCAN and CRAFT stand-ins); `files`
(archive writers) and `scenes` (synthetic scenes, the writers' context) serve them. From tests/,
`python -m replicas OUT_DIR [SAMPLES]` writes them all and prints their sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .curved import _ctw1500, _totaltext
from .files import archive_sums
from .rrc import _icdar2013, _icdar2015, _icdar2017_mlt, _msra_td500
from .scenes import _Ctx
from .sr import SR_SETS, _benchmark, _div2k, write_user_folder
from .textzoom import _textzoom, write_textzoom_lmdb
from .weights import write_craft_standins, write_rcan_official

__all__ = ["REPLICAS", "SR_SETS", "archive_sums", "write_craft_standins", "write_rcan_official", "write_replicas",
           "write_textzoom_lmdb", "write_user_folder"]


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
