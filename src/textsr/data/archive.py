"""Safe extraction of downloaded archives (zip, tar, tar.gz / tgz, tar.bz2, tar.xz).

Every member is checked before anything is written. Refused, with UnsafeArchiveError naming archive and member:
absolute paths (`/x`, `C:\\x`), any `..` component, symbolic links, hard links that point outside the archive's own
regular files, device files and FIFOs. Backslashes in member names are treated as path separators (zips made on
Windows), so `..\\x` is refused too. A truncated or corrupt archive (missing zip directory, bad CRC, gzip stream cut
short, tar header garbage) raises TruncatedArchiveError naming the archive.

Decompression bombs are refused with DecompressionBombError, which names the archive, the member, the cap and the
config key that raises it (`downloads: {max_extract_gib: ..., max_ratio: ...}`):
  * the total of extracted bytes is capped (`max_bytes`, default 64 GiB: DIV2K_train_HR.zip, the largest archive
    of the catalogue, is 3.5 GB and holds PNGs that do not compress further);
  * the expansion ratio (extracted / compressed bytes) is capped for each zip member (declared compressed size)
    and for the whole archive (its size on disk), default 200x: image archives expand ~1x, ground-truth text ~2x
    per file and ~10x for a whole zip of similar files, while deflate reaches ~1000x on a bomb (bzip2/xz far
    more). Ratios are only checked once more than RATIO_FLOOR (16 MiB) would be written, so that tiny, very
    compressible members (empty gt files, a zip of zeros in a test) are never refused.
The declared sizes are checked first (nothing written when they break a cap), and the bytes are counted again while
copying, so a member whose header lies about its size is stopped as soon as it writes more than it declared.

Extraction writes into a temporary folder beside `target` and moves the result in only when every member has been
written, so a failure leaves `target` as it was. Only regular files and folders are created; permissions are the
process defaults (no setuid bits, no owners from the archive).

`check_complete` is the structural check a download without a published checksum must pass before it is accepted
(textsr.data.download): a zip's central directory and local headers, a tar read to its end-of-archive marker.
"""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

CHUNK = 1 << 20
_CORRUPT = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)

GIB = 1 << 30
MAX_EXTRACT_BYTES = 64 * GIB  # default cap on the bytes one archive may write (config downloads.max_extract_gib)
MAX_RATIO = 200.0  # default cap on extracted / compressed bytes (config downloads.max_ratio)
RATIO_FLOOR = 16 << 20  # bytes written before a ratio is checked
CONFIG_HINT = "downloads: {max_extract_gib: ..., max_ratio: ...}"

# zip compression methods zipfile reads; 9 is Deflate64, which Windows Explorer writes for large files
_ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
                zipfile.ZIP_LZMA: "lzma"}


class ArchiveError(RuntimeError):
    """Base class: an archive that cannot be extracted."""


class UnsafeArchiveError(ArchiveError):
    """A member that would land outside the target folder or is not a plain file / folder."""


class TruncatedArchiveError(ArchiveError):
    """An archive that ends early or is corrupt."""


class DecompressionBombError(ArchiveError):
    """An archive that would write more bytes, or expand more, than the caps allow."""


TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")


def archive_format(path: str | Path) -> str:
    """'zip' or 'tar' from the file name, else from the content; ArchiveError if neither."""
    name = Path(path).name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except (OSError, EOFError):
        pass
    raise ArchiveError(f"{path}: not a zip or tar archive (supported: .zip, {', '.join(TAR_SUFFIXES)})")


def extract_limits(downloads: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The config's `downloads:` section -> safe_extract's keywords {"max_bytes": bytes, "max_ratio": x}.

    Reads `max_extract_gib` (GiB, default 64) and `max_ratio` (default 200); other keys of the section are not
    this function's business and are ignored. Non-positive values are a ValueError.
    """
    downloads = downloads or {}
    gib = downloads.get("max_extract_gib")
    ratio = downloads.get("max_ratio")
    out = {"max_bytes": MAX_EXTRACT_BYTES if gib is None else int(float(gib) * GIB),
           "max_ratio": MAX_RATIO if ratio is None else float(ratio)}
    if out["max_bytes"] <= 0 or out["max_ratio"] <= 0:
        raise ValueError(f"downloads: max_extract_gib and max_ratio must be positive, got {gib!r} and {ratio!r}")
    return out


def member_path(archive: str | Path, name: str) -> PurePosixPath:
    """The safe relative path of a member name, or UnsafeArchiveError (absolute, drive letter, '..', empty)."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) >= 2 and clean[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains '..' (path traversal); refusing to extract")
    if "\x00" in clean:
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains a NUL byte; refusing to extract")
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


@dataclass
class _Member:
    """One entry of the extraction plan."""

    rel: PurePosixPath
    kind: str  # "dir" or "file"
    open: Callable | None = None  # () -> binary stream of the member's data
    size: int = 0  # declared uncompressed bytes
    csize: int | None = None  # declared compressed bytes (zip members); None for tar (one stream for all)
    problem: str | None = None  # why the member cannot be read (encryption, unsupported method)


def _gib(n: float) -> str:
    return f"{n / GIB:.3g} GiB"


class _Budget:
    """The caps of one extraction: checked on declared sizes first, then on the bytes actually copied."""

    def __init__(self, archive: Path, max_bytes: int, max_ratio: float):
        if max_bytes <= 0 or max_ratio <= 0:
            raise ValueError(f"max_bytes and max_ratio must be positive, got {max_bytes!r} and {max_ratio!r}")
        self.archive, self.max_bytes, self.max_ratio = archive, int(max_bytes), float(max_ratio)
        self.archive_bytes = max(archive.stat().st_size, 1)
        self.total = 0

    def _total_error(self, rel: PurePosixPath, total: int) -> DecompressionBombError:
        return DecompressionBombError(
            f"{self.archive}: member {rel} takes the extracted size to {total} bytes, over the cap of "
            f"{_gib(self.max_bytes)}; if the archive is genuine, raise the cap in the config "
            f"({CONFIG_HINT}, here max_extract_gib)"
        )

    def _ratio_error(self, what: str, rel: PurePosixPath, out: int, packed: int) -> DecompressionBombError:
        return DecompressionBombError(
            f"{self.archive}: {what} expands {out / max(packed, 1):.0f}x ({packed} compressed bytes -> {out} bytes, "
            f"at member {rel}), over the cap of {self.max_ratio:g}x: a decompression bomb? If the archive is genuine, "
            f"raise the cap in the config ({CONFIG_HINT}, here max_ratio)"
        )

    def check(self, m: _Member, written: int, total: int) -> None:
        """Caps for member `m` having written `written` bytes and the archive `total` bytes (declared or counted)."""
        if total > self.max_bytes:
            raise self._total_error(m.rel, total)
        if (m.csize is not None and written > RATIO_FLOOR
                and written > self.max_ratio * max(m.csize, 1)):
            raise self._ratio_error(f"member {m.rel}", m.rel, written, m.csize)
        if total > RATIO_FLOOR and total > self.max_ratio * self.archive_bytes:
            raise self._ratio_error("the archive", m.rel, total, self.archive_bytes)

    def check_declared(self, members: list[_Member]) -> None:
        total = 0
        for m in members:
            if m.problem:
                raise ArchiveError(f"{self.archive}: member {m.rel} {m.problem}")
            total += m.size
            self.check(m, m.size, total)

    def copy(self, m: _Member, stream, fh) -> None:
        """Copy one member's data, counting bytes; read errors (gzip/bz2/xz/zlib/CRC) mean a corrupt archive."""
        written = 0
        while True:
            try:
                block = stream.read(CHUNK)
            except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError) as exc:
                raise TruncatedArchiveError(
                    f"{self.archive}: truncated or corrupt archive: member {m.rel} cannot be read "
                    f"({type(exc).__name__}: {exc}); delete it and download it again"
                ) from exc
            if not block:
                return
            written += len(block)
            self.total += len(block)
            if written > m.size:
                raise DecompressionBombError(
                    f"{self.archive}: member {m.rel} yields more than the {m.size} bytes its header declares "
                    f"(a lying header); refusing to extract"
                )
            self.check(m, written, self.total)
            fh.write(block)


def _truncated(archive: Path, exc: BaseException) -> TruncatedArchiveError:
    return TruncatedArchiveError(
        f"{archive}: truncated or corrupt archive ({type(exc).__name__}: {exc}); delete it and download it again"
    )


def _plan_zip(archive: Path, zf: zipfile.ZipFile) -> list[_Member]:
    plan: list[_Member] = []
    for info in zf.infolist():
        rel = member_path(archive, info.filename)
        mode = info.external_attr >> 16  # Unix mode, when the zip was made on Unix (0 or bare permissions else)
        if stat.S_ISLNK(mode):
            raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a symbolic link; refusing to extract")
        if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise UnsafeArchiveError(
                f"{archive}: member {info.filename!r} is not a regular file or folder (mode {oct(mode)}); refusing"
            )
        if info.is_dir():
            plan.append(_Member(rel, "dir"))
            continue
        problem = None
        if info.flag_bits & 0x1:
            problem = "is encrypted (password-protected); unpack it by hand and repack it without a password"
        elif info.compress_type not in _ZIP_METHODS:
            name = "Deflate64, which Windows Explorer writes" if info.compress_type == 9 else "not one zipfile reads"
            problem = (f"uses zip compression method {info.compress_type} ({name}); Python cannot read it: unpack "
                       f"the archive with 7-Zip or `unzip` and repack it as a plain deflate zip")
        plan.append(_Member(rel, "file", lambda info=info: zf.open(info), info.file_size, info.compress_size, problem))
    return plan


def _plan_tar(archive: Path, tf: tarfile.TarFile) -> list[_Member]:
    plan: list[_Member] = []
    files: dict[str, tarfile.TarInfo] = {}
    for info in tf.getmembers():
        rel = member_path(archive, info.name)
        if info.issym():
            raise UnsafeArchiveError(
                f"{archive}: member {info.name!r} is a symbolic link (-> {info.linkname!r}); refusing to extract"
            )
        if info.islnk():
            target = member_path(archive, info.linkname)  # refuses absolute / '..' link targets
            source = files.get(target.as_posix())
            if source is None:
                raise UnsafeArchiveError(
                    f"{archive}: member {info.name!r} is a hard link to {info.linkname!r}, which is not an earlier "
                    f"regular file of the archive; refusing to extract"
                )
            # a copy of the source: it counts its full size again (1000 links to one big file are a bomb too)
            plan.append(_Member(rel, "file", lambda source=source: tf.extractfile(source), source.size))
            continue
        if info.isdir():
            plan.append(_Member(rel, "dir"))
        elif info.isreg():
            files[rel.as_posix()] = info
            plan.append(_Member(rel, "file", lambda info=info: tf.extractfile(info), info.size))
        else:
            kind = "device" if (info.ischr() or info.isblk()) else "FIFO" if info.isfifo() else "special"
            raise UnsafeArchiveError(f"{archive}: member {info.name!r} is a {kind} file; refusing to extract")
    return plan


def _open(archive: Path) -> zipfile.ZipFile | tarfile.TarFile:
    """Context-managed zip or tar handle; corrupt headers become TruncatedArchiveError."""
    fmt = archive_format(archive)
    try:
        if fmt == "zip":
            return zipfile.ZipFile(archive)
        return tarfile.open(archive, "r:*")
    except FileNotFoundError:
        raise
    except (*_CORRUPT, OSError) as exc:
        raise _truncated(archive, exc) from exc


def _plan(archive: Path, handle: zipfile.ZipFile | tarfile.TarFile) -> list[_Member]:
    """Check every member (safety first, then readability of the index) and return the extraction plan."""
    try:
        if isinstance(handle, zipfile.ZipFile):
            return _plan_zip(archive, handle)
        return _plan_tar(archive, handle)  # reads the whole tar index: a cut-off stream fails here
    except (*_CORRUPT, OSError) as exc:
        raise _truncated(archive, exc) from exc


def list_members(archive: str | Path) -> list[str]:
    """Member paths (POSIX, checked for safety) of regular files and folders, in archive order."""
    archive = Path(archive)
    with _open(archive) as handle:
        return [m.rel.as_posix() for m in _plan(archive, handle)]


def _check_zip(archive: Path) -> None:
    """Central directory readable, and each member's local header where the directory says (cheap: no data read)."""
    size = archive.stat().st_size
    with zipfile.ZipFile(archive) as zf, open(archive, "rb") as fh:
        for info in zf.infolist():
            fh.seek(info.header_offset)
            header = fh.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04" or info.header_offset + 30 + info.compress_size > size:
                raise zipfile.BadZipFile(f"member {info.filename!r}: no local header at offset {info.header_offset}")


def _check_tar(archive: Path) -> None:
    """Every header read, then the end-of-archive marker (a zero block) after the last member, then (compressed
    tars) the compressed stream read to its end, which checks gzip's CRC / bzip2 / xz's end-of-stream marker."""
    with tarfile.open(archive, "r:*") as tf:
        tf.getmembers()  # stops quietly at a zero block, an empty read or a cut header: hence the marker check
        fileobj = tf.fileobj
        fileobj.seek(tf.offset)
        block = fileobj.read(tarfile.BLOCKSIZE)
        if len(block) < tarfile.BLOCKSIZE or block.count(0) != tarfile.BLOCKSIZE:
            raise tarfile.ReadError(f"no end-of-archive marker at offset {tf.offset} (the archive ends early)")
        while fileobj.read(CHUNK):
            pass


def check_complete(archive: str | Path, *, fmt: str | None = None) -> str:
    """Structural check of a zip or tar archive; returns 'zip' or 'tar', or raises TruncatedArchiveError.

    fmt: 'zip' or 'tar' when the caller knows it (a download's `.part`), else from `archive_format`.

    A transfer delimited by the connection closing cannot be told from a complete one; the archive's own structure
    can: a zip ends with its central directory, a tar with a zero block (compressed tars with the compressor's end
    marker and checksum). Member data CRCs (zip) are checked later, on extraction.
    """
    archive = Path(archive)
    fmt = fmt or archive_format(archive)
    try:
        _check_zip(archive) if fmt == "zip" else _check_tar(archive)
    except FileNotFoundError:
        raise
    except (*_CORRUPT, OSError) as exc:
        raise _truncated(archive, exc) from exc
    return fmt


def _merge_into(src: Path, dst: Path, written: list[Path]) -> None:
    """Move the tree `src` into `dst` (folders merged, files replaced), appending final file paths to `written`."""
    dst.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir()):
        out = dst / entry.name
        if entry.is_dir():
            if out.exists() and not out.is_dir():
                out.unlink()
            if not out.exists():
                os.replace(entry, out)
                written.extend(sorted(p for p in out.rglob("*") if p.is_file()))
            else:
                _merge_into(entry, out, written)
        else:
            if out.is_dir():
                shutil.rmtree(out)
            os.replace(entry, out)
            written.append(out)


def safe_extract(archive: str | Path, target: str | Path, *, include: Callable[[str], bool] | None = None,
                 max_bytes: int = MAX_EXTRACT_BYTES, max_ratio: float = MAX_RATIO) -> list[Path]:
    """Extract `archive` into the folder `target` (created if needed) and return the extracted files' paths.

    include: optional predicate on the member's POSIX path; members for which it is False are not written (every
    member is still checked for safety). max_bytes: cap on the bytes written (default 64 GiB); max_ratio: cap on
    the expansion of each zip member and of the whole archive (default 200x); see the module docstring, and
    `extract_limits` for the config keys. Raises UnsafeArchiveError, TruncatedArchiveError, DecompressionBombError
    or ArchiveError (a member zipfile cannot read); the target is then unchanged.
    """
    archive = Path(archive)
    target = Path(target)
    budget = _Budget(archive, max_bytes, max_ratio)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{archive.name}.", suffix=".extracting", dir=target))
    try:
        with _open(archive) as handle:
            plan = [m for m in _plan(archive, handle)
                    if m.rel != PurePosixPath(".") and (include is None or include(m.rel.as_posix()))]
            budget.check_declared([m for m in plan if m.kind == "file"])
            for m in plan:
                out = tmp.joinpath(*m.rel.parts)
                try:
                    (out if m.kind == "dir" else out.parent).mkdir(parents=True, exist_ok=True)
                except (FileExistsError, NotADirectoryError) as exc:
                    raise UnsafeArchiveError(f"{archive}: member {m.rel} clashes with a file of the same name") from exc
                if m.kind == "dir":
                    continue
                if out.is_dir():
                    raise UnsafeArchiveError(f"{archive}: member {m.rel} is both a folder and a file; refusing")
                try:
                    stream = m.open()
                except _CORRUPT as exc:
                    raise _truncated(archive, exc) from exc
                if stream is None:
                    raise TruncatedArchiveError(f"{archive}: member {m.rel} has no data")
                with stream, open(out, "wb") as fh:
                    budget.copy(m, stream, fh)
        written: list[Path] = []
        _merge_into(tmp, target, written)
        return sorted(written)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
