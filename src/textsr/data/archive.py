"""Safe extraction of downloaded archives (zip, tar, tar.gz / tgz, tar.bz2, tar.xz).

Every member is checked before anything is written. Refused, with UnsafeArchiveError naming archive and member:
absolute paths (`/x`, `C:\\x`), any `..` component, symbolic links, hard links that point outside the archive's own
regular files, device files and FIFOs. Backslashes in member names are treated as path separators (zips made on
Windows), so `..\\x` is refused too. A truncated or corrupt archive (missing zip directory, bad CRC, gzip stream cut
short, tar header garbage) raises TruncatedArchiveError naming the archive.

Extraction writes into a temporary folder beside `target` and moves the result in only when every member has been
written, so a failure leaves `target` as it was. Only regular files and folders are created; permissions are the
process defaults (no setuid bits, no owners from the archive).
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
from pathlib import Path, PurePosixPath
from typing import Callable

CHUNK = 1 << 20
_CORRUPT = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)


class ArchiveError(RuntimeError):
    """Base class: an archive that cannot be extracted."""


class UnsafeArchiveError(ArchiveError):
    """A member that would land outside the target folder or is not a plain file / folder."""


class TruncatedArchiveError(ArchiveError):
    """An archive that ends early or is corrupt."""


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


def _copy(archive: Path, rel: PurePosixPath, stream, fh) -> None:
    """Copy one member's data; any error while *reading* (gzip/bz2/xz/zlib/CRC) means a corrupt archive."""
    while True:
        try:
            block = stream.read(CHUNK)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError) as exc:
            raise TruncatedArchiveError(
                f"{archive}: truncated or corrupt archive: member {rel} cannot be read ({type(exc).__name__}: "
                f"{exc}); delete it and download it again"
            ) from exc
        if not block:
            return
        fh.write(block)


def _truncated(archive: Path, exc: BaseException) -> TruncatedArchiveError:
    return TruncatedArchiveError(
        f"{archive}: truncated or corrupt archive ({type(exc).__name__}: {exc}); delete it and download it again"
    )


# A plan entry: (relative path, kind, opener) where kind is 'dir' or 'file' and opener() gives a binary stream.
_Plan = list[tuple[PurePosixPath, str, Callable | None]]


def _plan_zip(archive: Path, zf: zipfile.ZipFile) -> _Plan:
    plan: _Plan = []
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
            plan.append((rel, "dir", None))
        else:
            plan.append((rel, "file", lambda info=info: zf.open(info)))
    return plan


def _plan_tar(archive: Path, tf: tarfile.TarFile) -> _Plan:
    plan: _Plan = []
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
            plan.append((rel, "file", lambda source=source: tf.extractfile(source)))
            continue
        if info.isdir():
            plan.append((rel, "dir", None))
        elif info.isreg():
            files[rel.as_posix()] = info
            plan.append((rel, "file", lambda info=info: tf.extractfile(info)))
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


def _plan(archive: Path, handle: zipfile.ZipFile | tarfile.TarFile) -> _Plan:
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
        return [rel.as_posix() for rel, _, _ in _plan(archive, handle)]


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


def safe_extract(archive: str | Path, target: str | Path, *,
                 include: Callable[[str], bool] | None = None) -> list[Path]:
    """Extract `archive` into the folder `target` (created if needed) and return the extracted files' paths.

    include: optional predicate on the member's POSIX path; members for which it is False are not written (every
    member is still checked for safety). Raises UnsafeArchiveError or TruncatedArchiveError (target unchanged).
    """
    archive = Path(archive)
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{archive.name}.", suffix=".extracting", dir=target))
    try:
        with _open(archive) as handle:
            for rel, kind, opener in _plan(archive, handle):
                if rel == PurePosixPath(".") or (include is not None and not include(rel.as_posix())):
                    continue
                out = tmp.joinpath(*rel.parts)
                try:
                    (out if kind == "dir" else out.parent).mkdir(parents=True, exist_ok=True)
                except (FileExistsError, NotADirectoryError) as exc:
                    raise UnsafeArchiveError(f"{archive}: member {rel} clashes with a file of the same name") from exc
                if kind == "dir":
                    continue
                if out.is_dir():
                    raise UnsafeArchiveError(f"{archive}: member {rel} is both a folder and a file; refusing")
                try:
                    stream = opener()
                except _CORRUPT as exc:
                    raise _truncated(archive, exc) from exc
                if stream is None:
                    raise TruncatedArchiveError(f"{archive}: member {rel} has no data")
                with stream, open(out, "wb") as fh:
                    _copy(archive, rel, stream, fh)
        written: list[Path] = []
        _merge_into(tmp, target, written)
        return sorted(written)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
