"""safe_extract: traversal, links, special files and truncation are refused; a failure leaves the target unchanged."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from textsr.data.archive import (TruncatedArchiveError, UnsafeArchiveError, list_members, safe_extract)


def make_zip(path: Path, members: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data)  # ZipInfo keeps the name as given (no sanitising)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def make_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tf:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                tf.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                tf.addfile(info, io.BytesIO(m[1]))
    return path


def link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def assert_untouched(target: Path) -> None:
    assert not target.exists() or list(target.iterdir()) == [], list(target.rglob("*"))


GOOD = {"a/1.txt": b"one", "a/b/2.txt": b"two", "top.txt": b"top"}


@pytest.mark.parametrize("suffix,mode", [(".zip", None), (".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                         (".tar.bz2", "w:bz2")])
def test_extracts_every_supported_format(tmp_path, suffix, mode):
    archive = tmp_path / f"ok{suffix}"
    if mode is None:
        make_zip(archive, GOOD)
    else:
        make_tar(archive, list(GOOD.items()), mode)
    out = safe_extract(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in out) == sorted(GOOD)
    for name, data in GOOD.items():
        assert (tmp_path / "out" / name).read_bytes() == data
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []  # no temp left


def test_extraction_merges_into_an_existing_folder_and_include_filters(tmp_path):
    target = tmp_path / "out"
    (target / "a").mkdir(parents=True)
    (target / "a" / "keep.txt").write_bytes(b"k")
    archive = make_zip(tmp_path / "x.zip", GOOD)
    out = safe_extract(archive, target, include=lambda m: m.startswith("a/b/"))
    assert out == [target / "a" / "b" / "2.txt"]
    assert (target / "a" / "keep.txt").read_bytes() == b"k" and not (target / "top.txt").exists()


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "..\\evil.txt", "a/..", "C:\\evil.txt"])
def test_zip_slip_member_is_refused(tmp_path, name):
    archive = make_zip(tmp_path / "slip.zip", {"ok.txt": b"fine", name: b"evil"})
    with pytest.raises(UnsafeArchiveError) as info:
        safe_extract(archive, tmp_path / "out")
    assert "slip.zip" in str(info.value) and repr(name) in str(info.value)
    assert_untouched(tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_zip_absolute_member_is_refused(tmp_path):
    archive = make_zip(tmp_path / "abs.zip", {"/tmp/evil.txt": b"evil"})
    with pytest.raises(UnsafeArchiveError, match="absolute path"):
        safe_extract(archive, tmp_path / "out")


def test_zip_symlink_member_is_refused(tmp_path):
    archive = make_zip(tmp_path / "link.zip", {"ok.txt": b"x"}, symlinks={"passwd": "/etc/passwd"})
    with pytest.raises(UnsafeArchiveError, match="'passwd' is a symbolic link"):
        safe_extract(archive, tmp_path / "out")
    assert_untouched(tmp_path / "out")


@pytest.mark.parametrize("name", ["../../evil.txt", "/etc/evil.txt", "ok/../../evil.txt"])
def test_tar_traversal_member_is_refused(tmp_path, name):
    archive = make_tar(tmp_path / "trav.tar.gz", [("ok.txt", b"fine"), (name, b"evil")], "w:gz")
    with pytest.raises(UnsafeArchiveError) as info:
        safe_extract(archive, tmp_path / "out")
    assert "trav.tar.gz" in str(info.value) and repr(name) in str(info.value)
    assert_untouched(tmp_path / "out")


def test_tar_symlink_escaping_then_write_through_it_is_refused(tmp_path):
    # the classic: a link to a folder outside, then a file written "inside" the link
    archive = make_tar(tmp_path / "sym.tar", [link("etc", "/etc", tarfile.SYMTYPE), ("etc/evil.conf", b"x")])
    with pytest.raises(UnsafeArchiveError, match="'etc' is a symbolic link"):
        safe_extract(archive, tmp_path / "out")
    assert_untouched(tmp_path / "out")


def test_tar_symlink_inside_the_tree_is_refused_too(tmp_path):
    archive = make_tar(tmp_path / "sym.tar", [("a.txt", b"x"), link("b.txt", "a.txt", tarfile.SYMTYPE)])
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        safe_extract(archive, tmp_path / "out")


def test_tar_hardlink_outside_is_refused_and_inside_is_a_copy(tmp_path):
    bad = make_tar(tmp_path / "hard.tar", [link("x", "../../etc/passwd", tarfile.LNKTYPE)])
    with pytest.raises(UnsafeArchiveError, match=r"contains '\.\.'"):
        safe_extract(bad, tmp_path / "out")
    bad2 = make_tar(tmp_path / "hard2.tar", [link("x", "not/in/archive", tarfile.LNKTYPE)])
    with pytest.raises(UnsafeArchiveError, match="hard link"):
        safe_extract(bad2, tmp_path / "out")
    good = make_tar(tmp_path / "hard3.tar", [("a.txt", b"data"), link("b.txt", "a.txt", tarfile.LNKTYPE)])
    safe_extract(good, tmp_path / "out")
    assert (tmp_path / "out" / "b.txt").read_bytes() == b"data" and not (tmp_path / "out" / "b.txt").is_symlink()


@pytest.mark.parametrize("kind,word", [(tarfile.CHRTYPE, "device"), (tarfile.BLKTYPE, "device"),
                                       (tarfile.FIFOTYPE, "FIFO")])
def test_tar_device_and_fifo_members_are_refused(tmp_path, kind, word):
    info = tarfile.TarInfo("dev/thing")
    info.type = kind
    archive = make_tar(tmp_path / "dev.tar", [info])
    with pytest.raises(UnsafeArchiveError, match=word):
        safe_extract(archive, tmp_path / "out")


def test_truncated_zip_is_reported_clearly(tmp_path):
    full = make_zip(tmp_path / "full.zip", {f"f{i}.bin": bytes([i]) * 5000 for i in range(20)}).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(TruncatedArchiveError) as info:
        safe_extract(cut, tmp_path / "out")
    assert "cut.zip" in str(info.value) and "truncated or corrupt" in str(info.value)
    assert_untouched(tmp_path / "out")


def test_zip_with_corrupt_member_data_is_reported_and_nothing_is_left(tmp_path):
    data = bytearray(make_zip(tmp_path / "x.zip", {"a.txt": b"A" * 100, "b.txt": b"hello world" * 50}).read_bytes())
    i = data.index(b"b.txt") + 5 + 4  # inside b.txt's compressed data (after its local header name)
    data[i:i + 8] = b"\xff" * 8
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(TruncatedArchiveError, match="bad.zip"):
        safe_extract(bad, tmp_path / "out")
    assert_untouched(tmp_path / "out")  # a.txt was written to the temp folder only


@pytest.mark.parametrize("suffix,mode", [(".tar.gz", "w:gz"), (".tar", "w"), (".tar.bz2", "w:bz2")])
def test_truncated_tar_is_reported_clearly(tmp_path, suffix, mode):
    import os
    members = [(f"d/f{i}.bin", os.urandom(20000)) for i in range(5)]
    full = make_tar(tmp_path / f"full{suffix}", members, mode).read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(full[: int(len(full) * 0.6)])
    with pytest.raises(TruncatedArchiveError) as info:
        safe_extract(cut, tmp_path / "out")
    assert f"cut{suffix}" in str(info.value) and "truncated or corrupt" in str(info.value)
    assert_untouched(tmp_path / "out")


def test_list_members_checks_safety_without_extracting(tmp_path):
    assert list_members(make_zip(tmp_path / "ok.zip", GOOD)) == list(GOOD)
    with pytest.raises(UnsafeArchiveError):
        list_members(make_zip(tmp_path / "bad.zip", {"../x": b""}))
