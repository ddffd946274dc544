"""safe_extract: traversal, links, special files and truncation are refused; a failure leaves the target unchanged."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from textsr.data.archive import (ArchiveError, DecompressionBombError, TruncatedArchiveError, UnsafeArchiveError,
                                 check_complete, extract_limits, list_members, safe_extract)


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


# ------------------------------------------------------------------ decompression bombs and structural checks

def zip_bomb(path: Path, members: dict[str, int]) -> Path:
    """Members of `n` zero bytes each, deflated (zeros deflate ~1000x, the deflate maximum)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, n in members.items():
            zf.writestr(name, bytes(n))
    return path


def test_zip_member_expanding_over_the_ratio_cap_is_refused_before_anything_is_written(tmp_path):
    archive = zip_bomb(tmp_path / "bomb.zip", {"ok.txt": 10, "zeros.bin": 40 << 20})
    compressed = zipfile.ZipFile(archive).getinfo("zeros.bin").compress_size
    assert 40 << 20 > 200 * compressed  # 40 MiB of zeros deflate to ~41 KB: ~1000x, over the 200x default
    with pytest.raises(DecompressionBombError) as info:
        safe_extract(archive, tmp_path / "out")
    msg = str(info.value)
    assert "bomb.zip" in msg and "zeros.bin" in msg and "200x" in msg and "max_ratio" in msg
    assert "downloads: {max_extract_gib: ..., max_ratio: ...}" in msg
    assert_untouched(tmp_path / "out")
    # the user raises the cap: the same archive extracts
    out = safe_extract(archive, tmp_path / "out", max_ratio=5000)
    assert (tmp_path / "out" / "zeros.bin").stat().st_size == 40 << 20 and len(out) == 2


def test_small_very_compressible_members_are_not_refused(tmp_path):
    # 1 MiB of zeros is ~1000x too, but below the 16 MiB floor where ratios start to count (empty gt files etc.)
    archive = zip_bomb(tmp_path / "small.zip", {"empty.gt": 0, "zeros.bin": 1 << 20})
    assert len(safe_extract(archive, tmp_path / "out")) == 2


def test_total_extracted_size_over_the_cap_is_refused_naming_member_and_cap(tmp_path):
    archive = make_zip(tmp_path / "big.zip", {"a.bin": b"a" * 3000, "b.bin": b"b" * 3000, "c.bin": b"c" * 3000})
    with pytest.raises(DecompressionBombError) as info:
        safe_extract(archive, tmp_path / "out", max_bytes=5000)  # a 3000 + b 3000 = 6000 > 5000: stops at b.bin
    msg = str(info.value)
    assert "big.zip" in msg and "b.bin" in msg and "6000 bytes" in msg and "max_extract_gib" in msg
    assert_untouched(tmp_path / "out")
    # include= leaves b and c out: 3000 bytes, under the cap
    assert len(safe_extract(archive, tmp_path / "out", include=lambda m: m == "a.bin", max_bytes=5000)) == 1


def test_tar_gz_bomb_is_refused_by_the_archive_ratio(tmp_path):
    archive = make_tar(tmp_path / "bomb.tar.gz", [(f"z{i}.bin", bytes(10 << 20)) for i in range(3)], "w:gz")
    ratio = (30 << 20) / archive.stat().st_size
    assert ratio > 200  # gzip of zeros: ~1000x
    with pytest.raises(DecompressionBombError, match=r"bomb\.tar\.gz: the archive expands \d+x"):
        safe_extract(archive, tmp_path / "out")
    assert_untouched(tmp_path / "out")


def test_tar_hard_links_count_their_source_size_again(tmp_path):
    members = [("big.bin", b"x" * 4000)] + [link(f"l{i}", "big.bin", tarfile.LNKTYPE) for i in range(3)]
    archive = make_tar(tmp_path / "links.tar", members)
    with pytest.raises(DecompressionBombError, match="l1"):  # 4000 * 3 = 12000 > 10000 at the second link
        safe_extract(archive, tmp_path / "out", max_bytes=10000)


def test_a_member_yielding_more_than_its_header_declares_is_stopped_while_copying(tmp_path, monkeypatch):
    # zipfile and tarfile never yield more than the declared size; a reader that does (a lying header) must still
    # be stopped by the byte count, not trusted because the declared sizes passed the caps
    archive = make_tar(tmp_path / "lie.tar", [("a.bin", b"a" * 100)])
    monkeypatch.setattr(tarfile.TarFile, "extractfile", lambda self, info: io.BytesIO(b"a" * 10_000))
    with pytest.raises(DecompressionBombError, match="more than the 100 bytes its header declares"):
        safe_extract(archive, tmp_path / "out")
    assert_untouched(tmp_path / "out")


def test_extract_limits_reads_the_config_section():
    assert extract_limits(None) == {"max_bytes": 64 << 30, "max_ratio": 200.0}
    assert extract_limits({"max_extract_gib": 0.5, "max_ratio": 1000, "verify": False}) == {
        "max_bytes": 1 << 29, "max_ratio": 1000.0}
    with pytest.raises(ValueError, match="positive"):
        extract_limits({"max_ratio": 0})


def _patch_u16(data: bytes, name: bytes, local: int, central: int, value: int) -> bytes:
    """Set a 16-bit field of member `name` at offset `local` of its local header and `central` of its central
    directory entry (APPNOTE 4.3.7 / 4.3.12: flags at 6 / 8, compression method at 8 / 10)."""
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        i = out.find(sig)
        while i >= 0:
            if name in out[i:i + 64]:
                out[i + off:i + off + 2] = value.to_bytes(2, "little")
            i = out.find(sig, i + 4)
    return bytes(out)


def test_deflate64_and_encrypted_members_get_a_clear_message(tmp_path):
    stored = tmp_path / "s.zip"
    with zipfile.ZipFile(stored, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("img_1.jpg", b"jpeg")
    d64 = tmp_path / "ch4_training_images.zip"
    d64.write_bytes(_patch_u16(stored.read_bytes(), b"img_1.jpg", 8, 10, 9))  # method 9: Deflate64
    with pytest.raises(ArchiveError, match=r"ch4_training_images\.zip: member img_1\.jpg uses zip compression "
                                           r"method 9 \(Deflate64"):
        safe_extract(d64, tmp_path / "out")
    enc = tmp_path / "enc.zip"
    enc.write_bytes(_patch_u16(stored.read_bytes(), b"img_1.jpg", 6, 8, 0x1))  # flag bit 0: encrypted
    with pytest.raises(ArchiveError, match="img_1.jpg is encrypted"):
        safe_extract(enc, tmp_path / "out")
    assert_untouched(tmp_path / "out")


@pytest.mark.parametrize("suffix,mode", [(".zip", None), (".tar", "w"), (".tar.gz", "w:gz"), (".tar.bz2", "w:bz2"),
                                         (".tar.xz", "w:xz")])
def test_check_complete_accepts_whole_archives_and_refuses_every_cut(tmp_path, suffix, mode):
    import os
    members = {f"d/f{i}.bin": os.urandom(3000) for i in range(4)}
    full = tmp_path / f"full{suffix}"
    make_zip(full, members) if mode is None else make_tar(full, list(members.items()), mode)
    assert check_complete(full) == ("zip" if mode is None else "tar")
    data = full.read_bytes()
    if mode == "w":
        # plain tar: 512-byte header + 3072 data bytes (3000 padded) per member, so the members end at 4 * 3584 =
        # 14336; the cuts at 3584 / 7168 / 14336 end exactly after a member (tarfile alone stops there quietly).
        # After 14336 come zero blocks (end marker, then padding to 10240-byte records): cutting padding loses
        # nothing, and one zero block is enough
        part = tmp_path / "padding-cut.tar"
        part.write_bytes(data[:14336 + 512])
        assert check_complete(part) == "tar"
        cuts = [100, 3584, 7000, 7168, 14336]
    else:  # a zip ends with its directory, a compressed stream with its end marker / checksum: any cut shows
        cuts = [100, len(data) // 2, len(data) - 600, len(data) - 1]
    for cut in cuts:
        part = tmp_path / f"cut{suffix}"
        part.write_bytes(data[:cut])
        with pytest.raises(TruncatedArchiveError, match=rf"cut{suffix.replace('.', '[.]')}: truncated"):
            check_complete(part)


def test_plain_tar_cut_at_a_member_boundary_is_quietly_short_for_tarfile_but_not_for_check_complete(tmp_path):
    members = [(f"f{i}.bin", bytes([i]) * 1024) for i in range(3)]
    data = make_tar(tmp_path / "full.tar", members).read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[:2 * (512 + 1024)])  # exactly the first two members, no end-of-archive blocks
    with tarfile.open(cut) as tf:
        assert [m.name for m in tf.getmembers()] == ["f0.bin", "f1.bin"]  # no error: why the marker is checked
    with pytest.raises(TruncatedArchiveError, match="end-of-archive marker"):
        check_complete(cut)
