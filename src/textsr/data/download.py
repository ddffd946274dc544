"""Download with progress, verify checksums, and stop with a clear message when a file must be placed by hand.

`fetch` is the only way a remote file reaches `resources/downloads/`:

* the destination already exists (downloaded before, or placed by the user) -> its checksum is verified, then used;
* URLs are known -> each is tried in order (official first, then mirrors) until one gives a file that passes every
  check; the transfer goes to `<dest>.part` (resumed with an HTTP Range request when a part from the same URL is
  there; `<dest>.part.url` names that URL), progress logged every 5 %, then verified and renamed to `<dest>`;
* a URL that fails in any way (network error, transfer cut short, a web page instead of the file, a checksum
  mismatch, a file that fails the structural check below) is logged and the next one is tried; when every URL
  failed, the error names every URL with its own error: ChecksumError when each URL gave a wrong file, else
  ManualDownloadRequired, whose message names the file, the official page and the exact path to put it at;
* no URL (registration, Google Drive, a dead link) -> ManualDownloadRequired;
* a bad file (checksum mismatch, failed structural check) is moved aside to `<dest>.bad-<first 12 hex of its
  sha256>` (never used, never deleted).

Where no checksum is published (MSRA-TD500, TextZoom, CTW-1500's `ctw1500.zip`, RCAN weights) the first verified use
records the file's sha256 in `<dest>.sha256` ("trust on first use"); later uses are checked against that record.

When is a transfer complete? HTTP delimits a body in one of three ways, and only two can be checked:
  * Content-Length: fewer bytes than announced -> DownloadError (the part is kept; the next run resumes it);
  * chunked transfer encoding: a body cut short lacks the final zero-length chunk, and http.client raises
    IncompleteRead -> DownloadError (part kept);
  * neither (the server closes the connection to end the body): an early close looks exactly like the end.
So a file is accepted only with evidence that it is whole: a published size / md5 / sha256, the first-use record,
or, for the first copy of a file without either, a structural check of its format (`check_format`): a zip's central
directory (its last bytes) and local headers, a tar read to its end-of-archive marker (compressed tars to the end of
the compressed stream, whose checksum gzip / bzip2 / xz verify), a zip-format torch file as a zip, a legacy torch
pickle loaded with torch.load(weights_only=True). A connection-delimited download of a format that cannot be
checked, with no checksum, is refused. No checksum is recorded from a file that failed any of this.

Rehearsals on replicas of the archives (whose checksums cannot match) call `fetch` / `fetch_archive` with
verify=False: nothing is compared and no record is written, a WARNING naming the file is logged on every use, and
the `.verified` marker says `"verified": false`.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textsr.atomic import write_text_atomic

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes read per step while downloading / hashing
USER_AGENT = "textsr-bench/0.1 (+https://github.com; python urllib)"
PROGRESS_STEP = 5.0  # percent between two progress lines
PROGRESS_STEP_UNKNOWN = 50 << 20  # bytes between two progress lines when the size is unknown
TORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl")
FOLDER_IGNORED = ("lock.mdb",)  # LMDB's lock file changes on every open: not part of a folder's record


class DownloadError(RuntimeError):
    """A download that failed for a reason the user must look at (truncated transfer, bad server reply)."""


class ChecksumError(DownloadError):
    """A file whose size / md5 / sha256 differs from the expected value; the message names file and both sums."""


class IncompleteFileError(DownloadError):
    """A file without a checksum to compare that fails the structural check of its format (cut short, or not the
    format its name says), or whose completeness cannot be established at all."""


class ManualDownloadRequired(DownloadError):
    """A file that must be downloaded by hand; the message names the file, the official page and the exact path."""


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


def manual_message(dest: str | Path, *, url: str | Sequence[str] | None = None, page: str | None = None,
                   reason: str | None = None, md5: str | None = None, sha256: str | None = None) -> str:
    """The message of ManualDownloadRequired: what to download, from where, and the exact path to put it at."""
    dest = Path(dest)
    urls = [url] if isinstance(url, str) else list(url or [])
    lines = [f"{dest.name} is needed but not present at {dest.resolve()}"
             + (f" ({reason})" if reason else "") + "."]
    if page:
        lines.append(f"Official page: {page}")
    for u in urls:
        lines.append(f"File URL: {u}")
    if md5 or sha256:
        lines.append("Expected checksum: " + ", ".join(f"{k} {v}" for k, v in (("md5", md5), ("sha256", sha256)) if v))
    lines.append(f"Download {dest.name} by hand (registration or a browser may be needed) and put it at exactly:")
    lines.append(f"    {dest.resolve()}")
    lines.append("then run the workflow again; the file is checksum-verified before use.")
    return "\n".join(lines)


def _download(url: str, part: Path, *, timeout: float) -> str:
    """Stream `url` into `part` (appending after an existing part when the server honours Range), logging progress.

    Returns how the body was delimited: "length", "chunked" or "close" (see the module docstring).
    Raises urllib/socket errors as they come; DownloadError when the body ends before its Content-Length or its
    final chunk (the part is kept for a resume).
    """
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range not satisfiable: the part may be complete (or garbage) -> restart
            part.unlink()
            return _download(url, part, timeout=timeout)
        raise
    with response:
        status = getattr(response, "status", 200)
        if have and status == 206:
            start = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
            if start is not None and int(start.group(1)) != have:  # not the range asked for: start over
                response.close()
                part.unlink()
                return _download(url, part, timeout=timeout)
        if have and status != 206:  # server ignored the Range header: start over
            have = 0
        chunked = bool(getattr(response, "chunked", False))
        length = response.headers.get("Content-Length")
        total = have + int(length) if not chunked and length is not None and length.isdigit() else None
        framing = "chunked" if chunked else "length" if total is not None else "close"
        mode = "ab" if have else "wb"
        if have:
            log.info("resuming %s at %d bytes", part.name.removesuffix(".part"), have)
        done = have
        next_mark = (done / total * 100.0 // PROGRESS_STEP + 1) * PROGRESS_STEP if total else PROGRESS_STEP_UNKNOWN
        name = part.name.removesuffix(".part")
        with open(part, mode) as fh:
            while True:
                try:
                    block = response.read(CHUNK)
                except http.client.IncompleteRead as exc:  # chunked body without its final chunk
                    fh.write(exc.partial)
                    done += len(exc.partial)
                    raise DownloadError(
                        f"{name}: the transfer ended before its last chunk after {done} bytes (connection dropped); "
                        f"the partial file {part} is kept and the next run resumes it"
                    ) from None
                except http.client.HTTPException as exc:
                    raise DownloadError(f"{name}: bad reply after {done} bytes ({type(exc).__name__}: {exc})") from None
                if not block:
                    break
                fh.write(block)
                done += len(block)
                if total:
                    percent = done / total * 100.0
                    if percent >= next_mark or done == total:
                        log.info("downloading %s: %5.1f%% (%d / %d bytes)", name, min(percent, 100.0), done, total)
                        next_mark = (percent // PROGRESS_STEP + 1) * PROGRESS_STEP
                elif done >= next_mark:
                    log.info("downloading %s: %d bytes", name, done)
                    next_mark += PROGRESS_STEP_UNKNOWN
    if total is not None and done < total:
        raise DownloadError(
            f"{name}: the server sent {done} of {total} bytes (connection dropped); the partial file {part} is kept "
            f"and the next run resumes it"
        )
    log.info("downloaded %s: %d bytes (%s)", name, done,
             {"length": "Content-Length matched", "chunked": "chunked, final chunk received",
              "close": "no length announced: completeness still to be checked"}[framing])
    return framing


def _download_from(url: str, part: Path, *, timeout: float) -> str:
    """_download, resuming `part` only when it came from this same URL (mirrors may serve different bytes)."""
    origin = part.with_name(part.name + ".url")
    if part.exists() and (not origin.is_file() or origin.read_text().strip() != url):
        log.info("%s: discarding a partial download from another URL (%s)", part.name,
                 origin.read_text().strip() if origin.is_file() else "unknown")
        part.unlink()
    write_text_atomic(origin, url + "\n")
    return _download(url, part, timeout=timeout)


def _warn_unverified(path: Path) -> None:
    log.warning("%s: checksum verification is OFF (verify=False, for rehearsals on replicas): used without comparing "
                "it with any checksum and without recording one; never run the real study like this", path)


def fetch(url: str | Sequence[str] | None, dest: str | Path, *, md5: str | None = None, sha256: str | None = None,
          size: int | None = None, page: str | None = None, timeout: float = 60, manual: bool = False,
          verify: bool = True) -> Path:
    """Make `dest` a verified copy of the remote file and return its path.

    url: one URL, several (tried in order: mirrors), or None when the file can only be downloaded by hand.
    md5 / sha256: expected hex digests; size: expected bytes. Any of them may be None; with none, the sha256 of the
    first verified copy (which must pass `check_format`) is recorded in `<dest>.sha256` and later copies are
    compared with it.
    page: the official page named in the ManualDownloadRequired message.
    manual: never try the network (registration / cloud drive); only the message.
    timeout: seconds per network operation (connect, each read).
    verify: False for rehearsals on replicas only: no checksum compared or recorded, a WARNING on every use.

    Raises ChecksumError / IncompleteFileError (the file moved aside), ManualDownloadRequired (every URL failed, or
    none), ValueError (malformed checksum).
    """
    return _fetch(url, dest, md5=md5, sha256=sha256, size=size, page=page, timeout=timeout, manual=manual,
                  verify=verify)[0]


def _fetch(url: str | Sequence[str] | None, dest: str | Path, *, md5: str | None, sha256: str | None,
           size: int | None, page: str | None, timeout: float, manual: bool, verify: bool
           ) -> tuple[Path, dict[str, Any]]:
    """fetch, also returning what the `.verified` marker records: sha256, size, verified, checked_against."""
    dest = Path(dest)
    md5 = _check_hex("md5", md5, 32)
    sha256 = _check_hex("sha256", sha256, 64)
    if dest.is_file():
        if not verify:
            _warn_unverified(dest)
            return dest, _unverified(dest)
        sums, against = _accept(dest, dest, md5=md5, sha256=sha256, size=size, framing="placed")
        _record(dest, sums)
        log.info("%s: present, checksum verified against the %s (sha256 %s)", dest, against, sums["sha256"])
        return dest, _verified(sums, against)
    urls = [url] if isinstance(url, str) else [u for u in (url or []) if u]
    if manual or not urls:
        raise ManualDownloadRequired(manual_message(
            dest, url=urls, page=page, md5=md5, sha256=sha256,
            reason="it cannot be downloaded automatically: registration, a cloud drive or a dead link",
        ))
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    errors: list[tuple[str, Exception]] = []
    for u in urls:
        log.info("downloading %s from %s", dest.name, u)
        try:
            framing = _download_from(u, part, timeout=timeout)
            if _looks_like_html(part) and not dest.name.lower().endswith((".html", ".htm")):
                aside = _move_aside(part)
                raise DownloadError(f"the server answered with a web page (a login or registration page?) instead "
                                    f"of the file; that page was kept as {aside.name}")
            if verify:
                sums, against = _accept(part, dest, md5=md5, sha256=sha256, size=size, framing=framing)
            else:
                if framing == "close":
                    try:
                        _first_use_check(part, dest, framing)
                    except IncompleteFileError as exc:
                        aside = _move_aside(part)
                        raise IncompleteFileError(f"{exc}; moved aside to {aside}") from None
                sums, against = None, None
        except (OSError, DownloadError) as exc:  # URLError, HTTPError, timeouts, resets; our own checks
            errors.append((u, exc))
            if not part.exists():  # nothing left to resume: no origin either
                part.with_name(part.name + ".url").unlink(missing_ok=True)
            log.warning("%s from %s failed: %s%s", dest.name, u, exc,
                        "; trying the next URL" if u != urls[-1] else "")
            continue
        os.replace(part, dest)
        part.with_name(part.name + ".url").unlink(missing_ok=True)
        if not verify:
            _warn_unverified(dest)
            return dest, _unverified(dest)
        _record(dest, sums)
        log.info("%s: downloaded, checksum verified against the %s (sha256 %s)", dest, against, sums["sha256"])
        return dest, _verified(sums, against)
    detail = "; ".join(f"{u}: {exc}" for u, exc in errors)
    if all(isinstance(exc, ChecksumError) for _, exc in errors):
        raise ChecksumError(f"{dest.name}: every URL gave a wrong file: {detail}")
    raise ManualDownloadRequired(manual_message(
        dest, url=urls, page=page, md5=md5, sha256=sha256, reason=f"every URL failed: {detail}",
    ))


def _verified(sums: dict[str, object], against: str) -> dict[str, Any]:
    return {"sha256": sums["sha256"], "size": sums["size"], "verified": True, "checked_against": against}


def _unverified(path: Path) -> dict[str, Any]:
    return {"sha256": file_digests(path, ("sha256",))["sha256"], "size": path.stat().st_size, "verified": False,
            "checked_against": None}


def _looks_like_html(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml version")) and b"<html" in head


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


def fetch_archive(file_name: str, dest_dir: str | Path, *, timeout: float = 60, verify: bool = True) -> Path:
    """Fetch one file of the dataset catalogue (textsr.data.catalog.ARCHIVES) into `dest_dir`/<file_name>.

    Also handles catalogue entries that are folders (TextZoom's LMDB tree, placed by hand): their presence and the
    expected sub-paths are checked, and a per-file sha256 record is kept in `<dest>.sha256.json` (trust on first use).
    Writes `<dest_dir>/<file_name>.verified` for use as a workflow output and returns its path. It holds what was
    checked, as JSON: file, sha256 (a folder: the sha256 of its per-file record, `folder_record_text`), size (files)
    or files (folders: count), verified (False only with verify=False), checked_against ("published checksum",
    "first-use record", or null). Nothing in it depends on time, and the marker is rewritten only when its content
    changes, so its mtime moves exactly when the verified content does (a replaced archive).
    verify: False for rehearsals on replicas (see `fetch`).
    """
    from textsr.data import catalog

    entry = catalog.archive(file_name)
    dest = Path(dest_dir) / file_name
    if entry.get("kind") == "folder":
        info = _verify_folder(dest, entry, verify=verify)
    else:
        _, info = _fetch(entry.get("urls") or None, dest, md5=entry.get("md5"), sha256=entry.get("sha256"),
                         size=entry.get("size"), page=entry.get("page"), timeout=timeout,
                         manual=entry.get("manual", False), verify=verify)
    marker = dest.with_name(dest.name + ".verified")
    text = json.dumps({"file": file_name, **info}, indent=1, sort_keys=True) + "\n"
    if not marker.is_file() or marker.read_text() != text:
        write_text_atomic(marker, text)
    return marker


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
