"""Downloaded archives -> the canonical dataset layout of DESIGN section 2 (see textsr.data.catalog for the layout).

One function per dataset family: `prepare_detection` (ICDAR2013/2015/2017-MLT, MSRA-TD500, CTW-1500, Total-Text:
images + native ground truth), `prepare_sr_pairs` (DIV2K, Set5/Set14/B100/Urban100: HR + official bicubic LR),
`prepare_textzoom` (LMDB pairs), `prepare_folder` (any folder of HR images a user names), and `require_weights`
(official RCAN weights placed by the user). `prepare_dataset` picks the family from the catalogue.

Files are moved out of the extracted archives unchanged (byte-identical, native names); nothing is parsed here, the
evaluation reads the native ground truth. The whole output is built in a staging folder beside `out_root` and
renamed into place at the end, so a failure never leaves a half-prepared dataset; `out_root/manifest.json` is
written last and is a good workflow output.
"""

from __future__ import annotations

import filecmp
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Mapping

from PIL import Image

from textsr.data import catalog
from textsr.data.archive import extract_limits, safe_extract
from textsr.data.download import ManualDownloadRequired, manual_message
from textsr.data.textzoom import export_lmdb, write_labels
from textsr.data.weights import WEIGHTS_DIR
from textsr.util.imageio import IMAGE_SUFFIXES

log = logging.getLogger(__name__)

IGNORED_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}


class PrepareError(RuntimeError):
    """Archives whose content does not match the catalogue's layout, or an unreadable user image."""


# ---------------------------------------------------------------------------------------------- helpers

def _ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.startswith(".")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not _ignored(p.name))


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def _name_regex(pattern: str) -> re.Pattern[str]:
    """'gt_{stem}.txt' -> ^gt_(?P<stem>.+)\\.txt$ ({scale} may appear as a literal already filled in)."""
    head, sep, tail = pattern.partition("{stem}")
    if not sep:
        raise ValueError(f"file-name pattern {pattern!r} has no {{stem}}")
    return re.compile("^" + re.escape(head) + "(?P<stem>.+)" + re.escape(tail) + "$")


def _require_archive(downloads: Path, name: str) -> Path:
    path = downloads / name
    if not path.exists():
        entry = catalog.archive(name) if name in catalog.ARCHIVES else {}
        raise ManualDownloadRequired(manual_message(
            path, url=entry.get("urls") or None, page=entry.get("page"), md5=entry.get("md5"),
            sha256=entry.get("sha256"), reason="not downloaded yet" if entry.get("urls") else None,
        ) + (f"\nNote: {entry['note']}" if entry.get("note") else ""))
    return path


class _Extracted:
    """Extracts each needed archive once into work/<archive name>/, only the members under the wanted paths."""

    def __init__(self, downloads: Path, work: Path, wanted: dict[str, set[str]], limits: dict | None = None):
        self.downloads, self.work, self.wanted = downloads, work, wanted
        self.limits = dict(limits or {})  # safe_extract's max_bytes / max_ratio (decompression-bomb caps)
        self.roots: dict[str, Path] = {}

    def root(self, name: str) -> Path:
        if name not in self.roots:
            archive = _require_archive(self.downloads, name)
            target = self.work / name
            prefixes = self.wanted.get(name, {""})
            log.info("extracting %s", archive)
            safe_extract(archive, target, include=None if "" in prefixes else _include(prefixes), **self.limits)
            self.roots[name] = target
        return self.roots[name]

    def folder(self, source: dict[str, Any]) -> Path:
        return _locate(self.root(source["archive"]), source["path"], source["archive"])


def _include(prefixes: set[str]) -> Callable[[str], bool]:
    """Members under one of the prefixes, at the archive top or below one wrapper folder."""
    parts = [tuple(p.strip("/").split("/")) for p in prefixes]

    def keep(member: str) -> bool:
        m = tuple(member.split("/"))
        return any(m[:len(pre)] == pre or m[1:len(pre) + 1] == pre for pre in parts)

    return keep


def _locate(root: Path, path: str, archive: str) -> Path:
    """The folder `path` inside an extracted archive, tolerating one wrapper folder (e.g. zip of a folder)."""
    candidates = [root / path if path else root]
    subdirs = [d for d in root.iterdir() if d.is_dir() and not _ignored(d.name)] if root.is_dir() else []
    if len(subdirs) == 1:
        candidates.append(subdirs[0] / path if path else subdirs[0])
    for cand in candidates:
        if cand.is_dir() and _files(cand):
            return cand
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())[:20] if root.is_dir() else []
    raise PrepareError(
        f"{archive}: expected the folder {path or '(archive top level)'!r} with files inside it, but the archive "
        f"holds the folders {found or '(none)'}; is it the right file?"
    )


def _move(src: Path, dst: Path) -> None:
    """Move a file (same filesystem: a rename); an identical file already there is fine, a different one is not."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        if filecmp.cmp(src, dst, shallow=False):
            src.unlink()
            return
        raise PrepareError(
            f"two different files named {dst.name} (one from {src}); cannot merge them into {dst.parent}"
        )
    os.replace(src, dst)


def _staging(out_root: Path) -> Path:
    staging = out_root.with_name(f".{out_root.name}.staging")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _commit(staging: Path, out_root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the manifest, then swap the staging folder in for `out_root`."""
    work = staging / ".work"
    if work.exists():
        shutil.rmtree(work)
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    if out_root.exists():
        old = out_root.with_name(f".{out_root.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(out_root, old)
        os.replace(staging, out_root)
        shutil.rmtree(old)
    else:
        os.replace(staging, out_root)
    return manifest


def _sources(downloads: Path, names: list[str]) -> dict[str, Any]:
    """Provenance: what the download step verified for each archive used (textsr.data.download.verified_sha256):
    {"sha256": ..., "verified": True / False (verify=False rehearsal) / None (only a record, no marker)}; for a
    folder (TextZoom) the sha256 of its per-file record `<name>.sha256.json`."""
    from textsr.data.download import verified_sha256

    return {name: verified_sha256(downloads, name) for name in names}


def _check_count(name: str, split: str, expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        log.warning("%s/%s: %d images, the catalogue expects %d", name, split, actual, expected)


def _extractor(downloads: Path, staging: Path, sources: list[dict[str, Any]], limits: dict | None = None
               ) -> _Extracted:
    """One extraction of every archive folder that `sources` ({archive, path} entries) name."""
    wanted: dict[str, set[str]] = {}
    for src in sources:
        wanted.setdefault(src["archive"], set()).add(src["path"])
    return _Extracted(downloads, staging / ".work", wanted, limits)


def _gather_images(ex: _Extracted, sources: list[dict[str, Any]], out_dir: Path) -> None:
    """Move the image files of each source folder into `out_dir` (native names)."""
    for src in sources:
        for f in _files(ex.folder(src)):
            if _is_image(f):
                _move(f, out_dir / f.name)


# ---------------------------------------------------------------------------------------------- families

def prepare_detection(spec: dict[str, Any], downloads: Path, staging: Path, *, splits: list[str],
                      gt: list[str] | None = None, limits: dict | None = None) -> dict[str, Any]:
    """Images and native ground truth per split: `{split}/images/`, `{split}/gt/` (+ `gt_<variant>/`)."""
    chosen = {s: spec["splits"][s] for s in splits}
    variants = {s: catalog.gt_variants(sp, gt) for s, sp in chosen.items()}
    ex = _extractor(downloads, staging, [src for s, sp in chosen.items()
                                         for src in sp["images"] + [sp["gt"][v] for v in variants[s]]], limits)
    report: dict[str, Any] = {}
    for split, sp in chosen.items():
        images_out = staging / split / "images"
        _gather_images(ex, sp["images"], images_out)
        if not images_out.is_dir():
            raise PrepareError(f"{spec.get('title', '?')} {split}: no images found in "
                               + ", ".join(f"{s['archive']}:{s['path'] or '/'}" for s in sp["images"]))
        images = sorted(p.name for p in images_out.iterdir())
        stems = [Path(n).stem for n in images]
        _check_count(spec.get("title", "?"), split, sp.get("count"), len(images))
        gt_report = {}
        for variant in variants[split]:
            src = sp["gt"][variant]
            folder = ex.folder(src)
            regex = _name_regex(src["name"])
            out_dir = staging / split / catalog.gt_dir_name(sp, variant)
            out_dir.mkdir(parents=True, exist_ok=True)
            for f in _files(folder):
                if regex.match(f.name):
                    _move(f, out_dir / f.name)
            present = {p.name for p in out_dir.iterdir()}
            missing = [src["name"].format(stem=stem) for stem in stems if src["name"].format(stem=stem) not in present]
            if stems and len(missing) == len(stems):
                raise PrepareError(
                    f"{src['archive']}: no ground-truth file matches the images of {split} (expected names like "
                    f"{src['name'].format(stem=stems[0])!r}, found {sorted(present)[:5] or 'nothing'}); wrong archive?"
                )
            if missing:
                log.warning("%s %s: %d images have no %s ground-truth file (e.g. %s); they count as images "
                            "without text", spec.get("title", "?"), split, len(missing), variant, missing[:3])
            gt_report[variant] = {"dir": out_dir.name, "files": len(present), "missing": len(missing)}
        report[split] = {"images": len(images), "gt": gt_report}
    return report


def prepare_sr_pairs(spec: dict[str, Any], downloads: Path, staging: Path, *, splits: list[str],
                     lr_scales: list[int] | None = None, limits: dict | None = None) -> dict[str, Any]:
    """HR images to `{split}/images/`, official LR to `{split}/lr/x{s}/<HR file name>`.

    lr_scales None: every scale whose archive is in `downloads` ("where present"); a list: exactly those (missing
    archive -> ManualDownloadRequired).
    """
    chosen = {s: spec["splits"][s] for s in splits}
    scales: dict[str, list[int]] = {}
    for s, sp in chosen.items():
        if lr_scales is None:
            scales[s] = [k for k, src in sp["lr"].items() if (downloads / src["archive"]).exists()]
        else:
            scales[s] = [int(k) for k in lr_scales if int(k) in sp["lr"]]
    ex = _extractor(downloads, staging, [src for s, sp in chosen.items()
                                         for src in sp["images"] + [sp["lr"][k] for k in scales[s]]], limits)
    report: dict[str, Any] = {}
    for split, sp in chosen.items():
        images_out = staging / split / "images"
        _gather_images(ex, sp["images"], images_out)
        if not images_out.is_dir():
            raise PrepareError(f"{spec.get('title', '?')} {split}: no HR images found")
        hr = sorted(p.name for p in images_out.iterdir())
        _check_count(spec.get("title", "?"), split, sp.get("count"), len(hr))
        lr_report = {}
        for scale in scales[split]:
            src = sp["lr"][scale]
            folder = ex.folder(src)
            out_dir = staging / split / "lr" / f"x{scale}"
            n, missing = 0, []
            for name in hr:
                lr_file = folder / src["name"].format(stem=Path(name).stem, scale=scale)
                if lr_file.is_file():
                    _move(lr_file, out_dir / name)
                    n += 1
                else:
                    missing.append(lr_file.name)
            if missing:
                log.warning("%s %s x%d: %d HR images have no official LR (e.g. %s)", spec.get("title", "?"), split,
                            scale, len(missing), missing[:3])
            if n == 0:
                raise PrepareError(f"{src['archive']}: no LR file of {split} x{scale} matches the HR images "
                                   f"(expected names like {src['name'].format(stem=Path(hr[0]).stem, scale=scale)!r})")
            lr_report[str(scale)] = n
        report[split] = {"images": len(hr), "lr": lr_report}
    return report


def prepare_textzoom(spec: dict[str, Any], downloads: Path, staging: Path, *, splits: list[str]) -> dict[str, Any]:
    """TextZoom LMDB folders -> `{split}/images/` (HR 128x32), `{split}/lr/x2/` (LR 64x16), `{split}/labels.tsv`.

    Every pair is resized as TextZoom's own loader does (PIL bicubic; textsr.data.textzoom), which the manifest
    records per split as "hr_size" / "lr_size" ([W, H]) and "resize".
    """
    from textsr.data.textzoom import HR_SIZE

    report: dict[str, Any] = {}
    for split in splits:
        sp = spec["splits"][split]
        root = _require_archive(downloads, sp["archive"])
        rows: list[tuple[str, str]] = []
        for sub in sp["lmdb"]:
            lmdb_dir = root / sub
            if not (lmdb_dir / "data.mdb").is_file():
                raise PrepareError(f"{lmdb_dir}: TextZoom LMDB folder missing (expected {lmdb_dir / 'data.mdb'})")
            rows += export_lmdb(lmdb_dir, staging / split, prefix=sub.replace("/", "_"), scale=sp["scale"])
        write_labels(staging / split / "labels.tsv", rows)
        _check_count("TextZoom", split, sp.get("count"), len(rows))
        report[split] = {"images": len(rows), "lr": {str(sp["scale"]): len(rows)}, "labels": "labels.tsv",
                         "hr_size": list(HR_SIZE), "lr_size": [v // sp["scale"] for v in HR_SIZE],
                         "resize": "PIL BICUBIC of the RGB image, as TextZoom's loader (alignCollate_real)"}
    return report


FAMILIES: dict[str, Callable[..., dict[str, Any]]] = {
    "detection": prepare_detection,
    "sr_pairs": prepare_sr_pairs,
    "textzoom": prepare_textzoom,
}


def prepare_dataset(name: str, downloads_dir: str | Path, out_root: str | Path, *, spec: dict[str, Any] | None = None,
                    splits: list[str] | None = None, gt: list[str] | None = None,
                    lr_scales: list[int] | None = None, limits: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Prepare one catalogue dataset from `downloads_dir` into `out_root` (= resources/datasets/{name}).

    spec: the catalogue entry (default catalog.dataset(name)); tests pass their own. splits: default all.
    gt: ground-truth variants (detection; default each split's default -> `{split}/gt/`, others -> `gt_<v>/`).
    lr_scales: official LR scales (sr_pairs; default: those whose archive is present).
    limits: the config's `downloads` caps on extraction ({max_extract_gib, max_ratio}; `extract_limits` defaults).
    Archives are expected checksum-verified by the download step (fetch / fetch_archive); a missing one raises
    ManualDownloadRequired naming its path and URL. Returns the manifest (also written to out_root/manifest.json).
    """
    spec = catalog.dataset(name) if spec is None else spec
    downloads, out_root = Path(downloads_dir), Path(out_root)
    chosen = list(spec["splits"]) if splits is None else list(splits)
    unknown = [s for s in chosen if s not in spec["splits"]]
    if unknown:
        raise KeyError(f"dataset {name!r} has no split(s) {unknown}; it has {list(spec['splits'])}")
    family = spec["family"]
    if family not in FAMILIES:
        raise ValueError(f"dataset {name!r}: unknown family {family!r}; known: {sorted(FAMILIES)}")
    staging = _staging(out_root)
    try:
        kwargs: dict[str, Any] = {"splits": chosen}
        if family == "detection":
            kwargs["gt"] = gt
        elif family == "sr_pairs":
            kwargs["lr_scales"] = lr_scales
        if family in ("detection", "sr_pairs"):
            kwargs["limits"] = extract_limits(limits)
        report = FAMILIES[family](spec, downloads, staging, **kwargs)
        work = staging / ".work"
        used = sorted({p.name for p in work.iterdir()} if work.is_dir() else set())
        used += sorted({spec["splits"][s]["archive"] for s in chosen if "archive" in spec["splits"][s]})
        manifest = {"dataset": name, "family": family, "title": spec.get("title"), "licence": spec.get("licence"),
                    "protocol": spec.get("protocol"), "splits": report, "sources": _sources(downloads, used)}
        return _commit(staging, out_root, manifest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def prepare_folder(src: str | Path, out_root: str | Path, *, split: str = "train", mode: str = "copy"
                   ) -> dict[str, Any]:
    """A user's folder of HR images -> `out_root/{split}/images/` (files directly inside `src`, native names).

    Every image is decoded once first; an unreadable one raises PrepareError naming the file (nothing is written).
    mode: "copy" (default), "hardlink" (falls back to copy across filesystems) or "symlink" (absolute links: the
    prepared set then depends on `src` staying in place).
    """
    src, out_root = Path(src), Path(out_root)
    if mode not in ("copy", "hardlink", "symlink"):
        raise ValueError(f"mode must be copy, hardlink or symlink, not {mode!r}")
    if not src.is_dir():
        raise PrepareError(f"{src}: the HR image folder named in the config does not exist")
    images = [p for p in _files(src) if _is_image(p)]
    if not images:
        raise PrepareError(f"{src}: no images ({', '.join(IMAGE_SUFFIXES)}) directly inside this folder")
    for path in images:
        try:
            with Image.open(path) as im:
                im.load()
        except Exception as exc:  # PIL raises many types on corrupt data
            raise PrepareError(f"{path}: cannot read image ({type(exc).__name__}: {exc}); fix or remove it") from None
    staging = _staging(out_root)
    try:
        out = staging / split / "images"
        out.mkdir(parents=True)
        for path in images:
            dst = out / path.name
            if mode == "symlink":
                dst.symlink_to(path.resolve())
            elif mode == "hardlink":
                try:
                    os.link(path, dst)
                except OSError:
                    shutil.copy2(path, dst)
            else:
                shutil.copy2(path, dst)
        manifest = {"dataset": out_root.name, "family": "folder", "source": str(src.resolve()), "mode": mode,
                    "splits": {split: {"images": len(images)}}}
        return _commit(staging, out_root, manifest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def require_weights(scale: int, weights_dir: str | Path = WEIGHTS_DIR, *,
                    condition: str = "rcan-official") -> Path:
    """The path of an official weights file the user must provide (e.g. RCAN_BIX4.pt in WEIGHTS_DIR).

    Raises ManualDownloadRequired naming the exact path and the official page when it is absent or empty.
    """
    name = catalog.weights_file(scale, condition)
    path = Path(weights_dir) / name
    if not path.is_file() or path.stat().st_size == 0:
        entry = catalog.archive(name)
        raise ManualDownloadRequired(manual_message(
            path, page=entry["page"], reason=f"the {condition} condition at x{scale} needs it",
        ) + f"\nNote: {entry['note']}")
    return path
