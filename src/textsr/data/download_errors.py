"""What a failed download tells the user: the download errors, and the message naming a file to place by hand."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class DownloadError(RuntimeError):
    """A download that failed for a reason the user must look at (truncated transfer, bad server reply)."""


class ChecksumError(DownloadError):
    """A file whose size / md5 / sha256 differs from the expected value; the message names file and both sums."""


class IncompleteFileError(DownloadError):
    """A file without a checksum to compare that fails the structural check of its format (cut short, or not the
    format its name says), or whose completeness cannot be established at all."""


class ManualDownloadRequired(DownloadError):
    """A file that must be downloaded by hand; the message names the file, the official page and the exact path."""


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
