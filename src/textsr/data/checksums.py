"""Is a downloaded or placed file the right one? Checksums, structural checks, and the first-use records.

A file is compared with its published size / md5 / sha256; without them, with the sha256 recorded in
`<dest>.sha256` the first time it was verified ("trust on first use"), and that first copy must pass the
structural check of its format (`check_format`). A bad file is moved aside to `<dest>.bad-<sha256[:12]>`.
A user-placed folder (TextZoom's LMDB tree) is recorded file by file in `<dest>.sha256.json`. The contract of the
download step as a whole is in `textsr.data.download`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textsr.data.download_errors import ChecksumError, IncompleteFileError, ManualDownloadRequired, manual_message
from textsr.util.atomic import write_text_atomic

log = logging.getLogger("textsr.data.download")  # the download step's logger, wherever its code lives

CHUNK = 1 << 20  # bytes read per step while downloading / hashing
TORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl")
FOLDER_IGNORED = ("lock.mdb",)  # LMDB's lock file changes on every open: not part of a folder's record


def file_digests(path: str | Path, algorithms: Sequence[str] = ("md5", "sha256")) -> dict[str, str]:
    """Hex digests of a file, in one pass: {"md5": ..., "sha256": ...}."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as fh:
        while True:
            block = fh.read(CHUNK)
            if not block:
                break
            for h in hashers.values():
                h.update(block)
    return {name: h.hexdigest() for name, h in hashers.items()}


def _check_hex(name: str, value: str | None, length: int) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    if not re.fullmatch(rf"[0-9a-f]{{{length}}}", value):
        raise ValueError(f"malformed {name} checksum {value!r}: expected {length} hex digits")
    return value


def verify(path: str | Path, *, md5: str | None = None, sha256: str | None = None, size: int | None = None
           ) -> dict[str, object]:
    """Check a file against the given size (bytes), md5 and sha256 (hex, any case); raise ChecksumError on mismatch.

    Returns the actual values {"size": int, "md5": str, "sha256": str}. The size is compared first (cheap), so a
    truncated file is reported without hashing it.
    """
    path = Path(path)
    md5 = _check_hex("md5", md5, 32)
    sha256 = _check_hex("sha256", sha256, 64)
    actual_size = path.stat().st_size
    if size is not None and actual_size != int(size):
        raise ChecksumError(
            f"{path}: size mismatch: expected {int(size)} bytes, actual {actual_size} bytes "
            f"(truncated or wrong file)"
        )
    sums = file_digests(path)
    for name, expected in (("md5", md5), ("sha256", sha256)):
        if expected is not None and sums[name] != expected:
            raise ChecksumError(f"{path}: {name} mismatch: expected {expected}, actual {sums[name]}")
    return {"size": actual_size, **sums}


def check_format(path: str | Path, name: str | None = None) -> str | None:
    """Structural check of a file by its format: 'zip', 'tar' or 'torch'; None when the format is not one of these.

    name: the file name that decides the format (default: the path's; a `.part` is judged by its final name).
    Raises IncompleteFileError naming the file when the check fails.
    """
    from textsr.data.archive import TAR_SUFFIXES, ArchiveError, check_complete

    path = Path(path)
    lower = (name or path.name).lower()
    fmt = "zip" if lower.endswith(".zip") else "tar" if lower.endswith(TAR_SUFFIXES) else None
    with open(path, "rb") as fh:
        head = fh.read(2)
    try:
        if fmt is not None:
            return check_complete(path, fmt=fmt)
        if lower.endswith(TORCH_SUFFIXES):
            if head == b"PK":  # torch >= 1.6 saves a zip container
                check_complete(path, fmt="zip")
            else:
                _check_torch_legacy(path)
            return "torch"
        if head == b"PK":
            return check_complete(path, fmt="zip")
    except ArchiveError as exc:
        raise IncompleteFileError(f"{exc} (structural check of {name or path.name})") from None
    return None


def _check_torch_legacy(path: Path) -> None:
    """A legacy (pickle, torch < 1.6) checkpoint such as RCAN_BIX4.pt: loaded once with weights_only=True."""
    import torch

    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # EOFError, RuntimeError, UnpicklingError ... all mean a cut or foreign file
        raise IncompleteFileError(
            f"{path}: cannot be read as a torch checkpoint ({type(exc).__name__}: {str(exc)[:200]}); truncated or "
            f"not the expected file"
        ) from None


def _sidecar(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256")


def _move_aside(path: Path, sha: str | None = None) -> Path:
    """Rename a bad file to `<dest>.bad-<sha256[:12]>` beside it (suffix made unique); returns the new path."""
    if sha is None:
        sha = file_digests(path, ("sha256",))["sha256"]
    dest = path.with_name(path.name.removesuffix(".part") + f".bad-{sha[:12]}")
    n = 1
    while dest.exists():
        dest = path.with_name(path.name.removesuffix(".part") + f".bad-{sha[:12]}.{n}")
        n += 1
    path.replace(dest)
    return dest


def _recorded_sha256(dest: Path) -> str | None:
    """The sha256 of the first-use record `<dest>.sha256`, or None when there is none."""
    record = _sidecar(dest)
    words = record.read_text().split() if record.is_file() else []
    if not words:
        return None
    try:
        return _check_hex("sha256", words[0], 64)
    except ValueError as exc:
        raise ChecksumError(f"{record}:1: {exc}; delete this record to record the file again") from None


def _accept(path: Path, dest: Path, *, md5: str | None, sha256: str | None, size: int | None, framing: str
            ) -> tuple[dict[str, object], str]:
    """Decide whether `path` (dest itself, or its .part) is a good copy of `dest`; returns (sums, checked against).

    framing: how its completeness is known: "placed" (on disk already), "length" / "chunked" (HTTP delimited the
    body, complete), "close" (ended by the connection closing: complete or not, nobody knows).
    A bad file is moved aside and ChecksumError / IncompleteFileError raised with its new place in the message.
    """
    published = md5 is not None or sha256 is not None or size is not None
    recorded = None if published else _recorded_sha256(dest)  # a malformed record is the record's fault
    try:
        if published:
            return verify(path, md5=md5, sha256=sha256, size=size), "published checksum"
        if recorded is not None:
            return verify(path, sha256=recorded), "first-use record"
        _first_use_check(path, dest, framing)
        return verify(path), "first-use record"
    except (ChecksumError, IncompleteFileError) as exc:
        if not path.is_file():
            raise
        aside = _move_aside(path)
        raise type(exc)(f"{exc}; the file was moved aside to {aside} and will not be used") from None


def _first_use_check(path: Path, dest: Path, framing: str) -> None:
    """No checksum to compare: the file's structure must show it is whole before its sha256 is trusted."""
    fmt = check_format(path, dest.name)
    if fmt is not None:
        log.info("%s: no checksum published or recorded; its %s structure is complete", dest.name, fmt)
    elif framing == "close":
        raise IncompleteFileError(
            f"{dest.name}: the server sent no Content-Length and no chunked framing, so a connection closed early "
            f"cannot be told from the end of the file, no checksum is published or recorded, and its format has "
            f"no structural check here; the download is not accepted"
        )
    elif framing == "placed":
        log.warning("%s: no checksum published or recorded and its format has no structural check: recorded as "
                    "it is; make sure the file is complete", dest)


def _warn_unverified(path: Path) -> None:
    log.warning("%s: checksum verification is OFF (verify=False, for rehearsals on replicas): used without comparing "
                "it with any checksum and without recording one; never run the real study like this", path)


def _record(dest: Path, sums: dict[str, object]) -> None:
    """Write `<dest>.sha256` (`<sha256>  <name>`, the format of sha256sum) unless it already says the same."""
    record = _sidecar(dest)
    line = f"{sums['sha256']}  {dest.name}\n"
    if not record.is_file() or record.read_text() != line:
        write_text_atomic(record, line)


def record_path(file_name: str, dest_dir: str | Path) -> Path:
    """The first-use checksum record of a catalogue entry: `<name>.sha256` (files), `<name>.sha256.json` (folders).

    `fetch` writes `<name>.sha256` for every verified file, published checksum or not; deleting it (after
    replacing a file that has no published checksum) makes the next verification record the new file.
    """
    from textsr.data import catalog

    dest = Path(dest_dir) / file_name
    return _folder_record(dest) if catalog.archive(file_name).get("kind") == "folder" else _sidecar(dest)


def _folder_record(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256.json")


def folder_record_text(sums: dict[str, str]) -> str:
    """The per-file record of a folder ({relative POSIX path: sha256}) as written to `<folder>.sha256.json`."""
    return json.dumps(sums, indent=1, sort_keys=True) + "\n"


def _folder_sums(dest: Path) -> dict[str, str]:
    files = sorted(p for p in dest.rglob("*") if p.is_file() and p.name not in FOLDER_IGNORED
                   and not any(part.startswith(".") for part in p.relative_to(dest).parts))
    return {p.relative_to(dest).as_posix(): file_digests(p, ("sha256",))["sha256"] for p in files}


def _verify_folder(dest: Path, entry: dict, *, verify: bool = True) -> dict[str, Any]:
    """A user-placed folder: required sub-paths present; per-file sha256 compared with the first-use record.

    Files added since the record count as changes, as do changed and removed ones (hidden files and LMDB's
    lock.mdb are not part of the record).
    """
    required = entry.get("contains", [])
    missing = [p for p in required if not (dest / p).exists()]
    if not dest.is_dir() or missing:
        reason = "folder missing" if not dest.is_dir() else "incomplete: missing " + ", ".join(missing)
        raise ManualDownloadRequired(
            manual_message(dest, url=entry.get("urls") or None, page=entry.get("page"), reason=reason)
            + "\nExpected inside it: " + ", ".join(required)
        )
    sums = _folder_sums(dest)
    text = folder_record_text(sums)
    digest = hashlib.sha256(text.encode()).hexdigest()
    if not verify:
        _warn_unverified(dest)
        return {"sha256": digest, "files": len(sums), "verified": False, "checked_against": None}
    record = _folder_record(dest)
    if record.is_file():
        try:
            before = json.loads(record.read_text())
        except json.JSONDecodeError as exc:
            raise ChecksumError(f"{record}:{exc.lineno}: not a JSON record ({exc.msg}); delete it to record the "
                                f"folder again") from None
        changed = sorted(k for k in set(before) | set(sums) if before.get(k) != sums.get(k))
        if changed:
            raise ChecksumError(
                f"{dest}: contents differ from the first verified copy (recorded in {record}): "
                + ", ".join(f"{k} expected sha256 {before.get(k, '(not in the record)')}, actual "
                            f"{sums.get(k, '(missing)')}" for k in changed)
                + f"; if you replaced the data on purpose, delete {record}"
            )
    if not record.is_file() or record.read_text() != text:
        write_text_atomic(record, text)
    log.info("%s: %d files, sha256 of the per-file record %s", dest, len(sums), digest)
    return {"sha256": digest, "files": len(sums), "verified": True, "checked_against": "first-use record"}


def verified_sha256(downloads: str | Path, name: str) -> dict[str, Any]:
    """Provenance of one downloaded file or folder for a dataset manifest: {"sha256": str | None, "verified": ...}.

    From the `.verified` marker that fetch_archive wrote (verified True / False) when there is one; else from the
    first-use record (`<name>.sha256`, or for a folder the sha256 of `<name>.sha256.json`'s bytes), verified None
    (recorded once, not checked by this run); else both None.
    """
    dest = Path(downloads) / name
    marker = dest.with_name(dest.name + ".verified")
    if marker.is_file():
        try:
            data = json.loads(marker.read_text())
            return {"sha256": data.get("sha256"), "verified": data.get("verified", True)}
        except json.JSONDecodeError:
            log.warning("%s: not JSON; ignored", marker)
    folder = _folder_record(dest)
    if folder.is_file():
        return {"sha256": hashlib.sha256(folder.read_bytes()).hexdigest(), "verified": None}
    words = _sidecar(dest).read_text().split() if _sidecar(dest).is_file() else []
    return {"sha256": words[0] if words else None, "verified": None}
