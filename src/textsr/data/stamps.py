"""Content stamps of downloaded files: what a replaced archive changes, and a touched one does not.

The `fetch` rule takes a file's stamp as a param, so Snakemake reruns it (and, through its marker, only the data set
that needs the file) exactly when the bytes change. The stamp is the file's sha256 (what `fetch` verifies and records).
Hashing a multi-GB archive on every parse would be slow, so each digest is cached keyed on the file's size, mtime,
ctime and inode: a file touched, or copied with its mtime kept (`cp -p`, `rsync -t`), is re-hashed once, because its
ctime moves, which no user-level tool can set back, and it gets the same stamp; a file whose bytes changed gets a new one.
Torch-free: the planner calls it at parse time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

#: files of a data folder (TextZoom's LMDB splits) that change without their content changing
IGNORED = frozenset({"lock.mdb"})


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class DigestCache:
    """sha256 of files, remembered in a JSON file under (size, mtime_ns, ctime_ns, inode) of each file."""

    def __init__(self, cache_file: str | os.PathLike):
        self.cache_file = Path(cache_file)
        self.hashed: list[str] = []  # files hashed (not found in the cache) by this instance, for tests and logs
        try:
            self._entries = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._entries = {}  # absent or unreadable (e.g. cut short): every file is hashed again
        self._dirty = False

    def digest(self, path: str | os.PathLike) -> str:
        path = Path(path).resolve()
        key = _key(path.stat())
        entry = self._entries.get(str(path))
        if entry and entry["key"] == key:
            return entry["sha256"]
        digest = sha256_file(path)
        self.hashed.append(str(path))
        self._entries[str(path)] = {"key": key, "sha256": digest}
        self._dirty = True
        return digest

    def save(self) -> None:
        """Write the cache (a unique temporary file, then a rename: concurrent parses never see half a file)."""
        if not self._dirty:
            return
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_file.parent, prefix=self.cache_file.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self._entries, f, sort_keys=True)
        os.replace(tmp, self.cache_file)
        self._dirty = False


def content_stamp(path: str | os.PathLike, cache: DigestCache) -> str | list[list[str]]:
    """The sha256 of a file; for a folder, [relative path, sha256] of each file in it (sorted, IGNORED left out);
    "absent" when there is nothing at `path` yet (a download still to come)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.name not in IGNORED)
        return [[p.relative_to(path).as_posix(), cache.digest(p)] for p in files]
    return cache.digest(path) if path.is_file() else "absent"
