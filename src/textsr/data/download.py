"""Download with progress, verify checksums, and stop with a clear message when a file must be placed by hand.

`fetch` is the only way a remote file reaches `resources/downloads/`:

* the destination already exists (downloaded before, or placed by the user) -> its checksum is verified, then used;
* a URL is known and reachable -> downloaded to `<dest>.part` (resumed with an HTTP Range request when a part is
  there), progress logged every 5 %, verified, renamed to `<dest>`;
* no URL (registration, Google Drive, a dead link) or the network fails -> `ManualDownloadRequired`, whose message
  names the file, the official page / URL and the exact path to put it at;
* a checksum mismatch -> the file is moved aside to `<dest>.bad-<first 12 hex of its sha256>` (never used, never
  deleted) and `ChecksumError` names the file, the expected and the actual sums.

Where no checksum is published (MSRA-TD500, TextZoom, CTW-1500 2020 labels, RCAN weights) the first verified use
records the file's sha256 in `<dest>.sha256` ("trust on first use"); later uses are checked against that record.
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
from pathlib import Path
from typing import Sequence

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes read per step while downloading / hashing
USER_AGENT = "textsr-bench/0.1 (+https://github.com; python urllib)"
PROGRESS_STEP = 5.0  # percent between two progress lines
PROGRESS_STEP_UNKNOWN = 50 << 20  # bytes between two progress lines when the size is unknown


class DownloadError(RuntimeError):
    """A download that failed for a reason the user must look at (truncated transfer, bad server reply)."""


class ChecksumError(DownloadError):
    """A file whose size / md5 / sha256 differs from the expected value; the message names file and both sums."""


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


def _verify_or_move_aside(path: Path, dest: Path, *, md5: str | None, sha256: str | None, size: int | None
                          ) -> dict[str, object]:
    """verify(); on mismatch move `path` aside and re-raise with the new location in the message."""
    try:
        if md5 is None and sha256 is None and size is None:
            record = _sidecar(dest)
            words = record.read_text().split() if record.is_file() else []
            # trust on first use: compare with the sha256 recorded the first time, if any
            return verify(path, sha256=words[0] if words else None)
        return verify(path, md5=md5, sha256=sha256, size=size)
    except ChecksumError as exc:
        aside = _move_aside(path)
        raise ChecksumError(f"{exc}; the file was moved aside to {aside} and will not be used") from None


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


def _download(url: str, part: Path, *, timeout: float) -> None:
    """Stream `url` into `part` (appending after an existing part when the server honours Range), logging progress.

    Raises urllib/socket errors as they come; DownloadError when the server sends fewer bytes than announced.
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
        if have and status != 206:  # server ignored the Range header: start over
            have = 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None and length.isdigit() else None
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
                except http.client.HTTPException as exc:  # IncompleteRead: the server closed early
                    log.warning("%s: transfer interrupted (%s)", name, exc)
                    break
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
    log.info("downloaded %s: %d bytes", name, done)


def fetch(url: str | Sequence[str] | None, dest: str | Path, *, md5: str | None = None, sha256: str | None = None,
          size: int | None = None, page: str | None = None, timeout: float = 60, manual: bool = False) -> Path:
    """Make `dest` a verified copy of the remote file and return its path.

    url: one URL, several (tried in order: mirrors), or None when the file can only be downloaded by hand.
    md5 / sha256: expected hex digests; size: expected bytes. Any of them may be None; with none, the sha256 of the
    first verified copy is recorded in `<dest>.sha256` and later copies are compared with it.
    page: the official page named in the ManualDownloadRequired message.
    manual: never try the network (registration / cloud drive); only the message.
    timeout: seconds per network operation (connect, each read).

    Raises ChecksumError (file moved aside), ManualDownloadRequired, DownloadError (transfer cut short).
    """
    dest = Path(dest)
    md5 = _check_hex("md5", md5, 32)
    sha256 = _check_hex("sha256", sha256, 64)
    if dest.is_file():
        sums = _verify_or_move_aside(dest, dest, md5=md5, sha256=sha256, size=size)
        _record(dest, sums)
        log.info("%s: present, checksum verified (sha256 %s)", dest, sums["sha256"])
        return dest
    urls = [url] if isinstance(url, str) else [u for u in (url or []) if u]
    if manual or not urls:
        raise ManualDownloadRequired(manual_message(
            dest, url=urls, page=page, md5=md5, sha256=sha256,
            reason="it cannot be downloaded automatically: registration, a cloud drive or a dead link",
        ))
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    errors = []
    for u in urls:
        log.info("downloading %s from %s", dest.name, u)
        try:
            _download(u, part, timeout=timeout)
            break
        except OSError as exc:  # URLError, HTTPError, socket timeouts, connection resets
            errors.append(f"{u}: {exc}")
            log.warning("download of %s from %s failed: %s", dest.name, u, exc)
    else:
        raise ManualDownloadRequired(manual_message(
            dest, url=urls, page=page, md5=md5, sha256=sha256,
            reason="the download failed: " + "; ".join(errors),
        ))
    if _looks_like_html(part) and not dest.name.lower().endswith((".html", ".htm")):
        aside = _move_aside(part)
        raise ManualDownloadRequired(manual_message(
            dest, url=urls, page=page, md5=md5, sha256=sha256,
            reason=f"the server answered with a web page (a login or registration page?) instead of the file; "
                   f"that page was kept as {aside.name}",
        ))
    sums = _verify_or_move_aside(part, dest, md5=md5, sha256=sha256, size=size)
    os.replace(part, dest)
    _record(dest, sums)
    log.info("%s: downloaded, checksum verified (sha256 %s)", dest, sums["sha256"])
    return dest


def _looks_like_html(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml version")) and b"<html" in head


def _record(dest: Path, sums: dict[str, object]) -> None:
    """Write `<dest>.sha256` (`<sha256>  <name>`, the format of sha256sum) unless it already says the same."""
    record = _sidecar(dest)
    line = f"{sums['sha256']}  {dest.name}\n"
    if not record.is_file() or record.read_text() != line:
        record.write_text(line)


def fetch_archive(file_name: str, dest_dir: str | Path, *, timeout: float = 60) -> Path:
    """Fetch one file of the dataset catalogue (textsr.data.catalog.ARCHIVES) into `dest_dir`/<file_name>.

    Also handles catalogue entries that are folders (TextZoom's LMDB tree, placed by hand): their presence and the
    expected sub-paths are checked, and a per-file sha256 record is kept in `<dest>.sha256.json` (trust on first use).
    Writes `<dest_dir>/<file_name>.verified` (JSON of what was checked) for use as a workflow output; returns it.
    """
    from textsr.data import catalog

    entry = catalog.archive(file_name)
    dest = Path(dest_dir) / file_name
    if entry.get("kind") == "folder":
        sums = _verify_folder(dest, entry)
    else:
        fetch(entry.get("urls") or None, dest, md5=entry.get("md5"), sha256=entry.get("sha256"),
              size=entry.get("size"), page=entry.get("page"), timeout=timeout, manual=entry.get("manual", False))
        sums = {"sha256": _sidecar(dest).read_text().split()[0], "size": dest.stat().st_size}
    marker = dest.with_name(dest.name + ".verified")
    marker.write_text(json.dumps({"file": file_name, **sums}, indent=1, sort_keys=True) + "\n")
    return marker


def _verify_folder(dest: Path, entry: dict) -> dict[str, object]:
    """A user-placed folder: required sub-paths present; per-file sha256 compared with the first-use record."""
    required = entry.get("contains", [])
    missing = [p for p in required if not (dest / p).exists()]
    if not dest.is_dir() or missing:
        reason = "folder missing" if not dest.is_dir() else "incomplete: missing " + ", ".join(missing)
        raise ManualDownloadRequired(
            manual_message(dest, url=entry.get("urls") or None, page=entry.get("page"), reason=reason)
            + "\nExpected inside it: " + ", ".join(required)
        )
    files = sorted(p for p in dest.rglob("*") if p.is_file() and p.name != "lock.mdb")
    sums = {p.relative_to(dest).as_posix(): file_digests(p, ("sha256",))["sha256"] for p in files}
    record = dest.with_name(dest.name + ".sha256.json")
    if record.is_file():
        before = json.loads(record.read_text())
        changed = sorted(k for k in before if before[k] != sums.get(k))
        if changed:
            raise ChecksumError(
                f"{dest}: contents differ from the first verified copy (recorded in {record}): "
                + ", ".join(f"{k} expected sha256 {before[k]}, actual {sums.get(k, 'missing')}" for k in changed)
                + f"; if you replaced the data on purpose, delete {record}"
            )
    else:
        record.write_text(json.dumps(sums, indent=1, sort_keys=True) + "\n")
    return {"files": len(sums)}
