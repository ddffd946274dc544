"""Content stamps of downloads: a touched file keeps its stamp, a file whose bytes change gets a new one."""

from __future__ import annotations

import hashlib
import os

from textsr.data.stamps import DigestCache, content_stamp


def _cache(tmp_path):
    return DigestCache(tmp_path / "cache" / "stamps.json")


def test_stamp_is_the_sha256_of_the_bytes(tmp_path):
    f = tmp_path / "a.zip"
    f.write_bytes(b"abc")
    # sha256("abc"), the FIPS 180-2 test vector
    assert content_stamp(f, _cache(tmp_path)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_touched_file_keeps_its_stamp_and_a_second_parse_hashes_nothing(tmp_path):
    f = tmp_path / "a.zip"
    f.write_bytes(b"archive bytes")
    first = _cache(tmp_path)
    stamp = content_stamp(f, first)
    first.save()
    again = _cache(tmp_path)
    assert content_stamp(f, again) == stamp and again.hashed == []  # unchanged metadata: read from the cache
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))  # touch
    touched = _cache(tmp_path)
    assert content_stamp(f, touched) == stamp and touched.hashed == [str(f.resolve())]  # re-hashed, same stamp


def test_bytes_replaced_with_size_and_mtime_kept_change_the_stamp(tmp_path):
    f = tmp_path / "gt.zip"
    f.write_bytes(b"1,2,3,4,word\n")
    cache = _cache(tmp_path)
    before = content_stamp(f, cache)
    cache.save()
    st = f.stat()
    f.write_bytes(b"1,2,3,5,word\n")  # one coordinate changed, same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime kept, as `touch -r` / `cp -p` / `rsync -t` do
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    after = content_stamp(f, _cache(tmp_path))
    assert after != before and after == hashlib.sha256(b"1,2,3,5,word\n").hexdigest()


def test_folder_stamp_lists_files_and_ignores_the_lmdb_lock(tmp_path):
    d = tmp_path / "textzoom" / "train1"
    d.mkdir(parents=True)
    (d / "data.mdb").write_bytes(b"x")
    (d / "lock.mdb").write_bytes(b"changes on every open")
    assert content_stamp(d, _cache(tmp_path)) == [["data.mdb", hashlib.sha256(b"x").hexdigest()]]


def test_absent_file_and_unreadable_cache(tmp_path):
    cache_file = tmp_path / "stamps.json"
    cache_file.write_text("{cut sh")  # a cache cut short is rebuilt, not an error
    cache = DigestCache(cache_file)
    assert content_stamp(tmp_path / "missing.zip", cache) == "absent"
    f = tmp_path / "b.bin"
    f.write_bytes(b"")
    assert content_stamp(f, cache) == hashlib.sha256(b"").hexdigest()
    cache.save()
    assert str(f.resolve()) in cache_file.read_text()
