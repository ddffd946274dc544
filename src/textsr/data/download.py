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

from textsr.data.checksums import (  # noqa: F401 (check_format, record_path, ...: re-exported)
    CHUNK,
    _accept,
    _check_hex,
    _first_use_check,
    _move_aside,
    _record,
    _verify_folder,
    _warn_unverified,
    check_format,
    file_digests,
    folder_record_text,
    record_path,
    verified_sha256,
    verify,
)
from textsr.data.download_errors import (  # noqa: F401 (re-exported)
    ChecksumError,
    DownloadError,
    IncompleteFileError,
    ManualDownloadRequired,
    manual_message,
)
from textsr.util.atomic import write_text_atomic

__all__ = ["ChecksumError", "DownloadError", "IncompleteFileError", "ManualDownloadRequired", "check_format", "fetch",
           "fetch_archive", "file_digests", "folder_record_text", "manual_message", "record_path", "verified_sha256",
           "verify"]

log = logging.getLogger(__name__)

USER_AGENT = "textsr-bench/0.1 (+https://github.com; python urllib)"
PROGRESS_STEP = 5.0  # percent between two progress lines
PROGRESS_STEP_UNKNOWN = 50 << 20  # bytes between two progress lines when the size is unknown


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
