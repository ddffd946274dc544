"""fetch / verify against a real HTTP server on 127.0.0.1 (no internet needed)."""

from __future__ import annotations

import hashlib
import http.server
import json
import logging
import socket
import threading
from pathlib import Path

import pytest

from textsr.data import catalog, download
from textsr.data.download import (ChecksumError, DownloadError, IncompleteFileError, ManualDownloadRequired, fetch,
                                  fetch_archive, record_path, verified_sha256, verify)

PAYLOAD = bytes(range(256)) * 1200  # 307,200 bytes


def _zip_bytes() -> bytes:
    """A real zip of ~200 KB of incompressible members (so any cut loses its central directory)."""
    import io
    import random
    import zipfile

    rng = random.Random(7)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):
            zf.writestr(f"ch4_test_images/img_{i}.jpg", rng.randbytes(50_000))
    return buf.getvalue()


ZIP = _zip_bytes()
ZIP_SHA256 = hashlib.sha256(ZIP).hexdigest()


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, plus Range support and a /flaky.bin that drops the connection half-way the first time."""

    flaky_calls = 0

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        if self.path == "/flaky.bin":
            return self._flaky()
        if self.path == "/badrange.bin" and "Range" in self.headers:  # 206, but from byte 0 whatever was asked
            self.send_response(206)
            self.send_header("Content-Range", f"bytes 0-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
            return None
        if self.path.startswith("/noLength/"):  # HTTP/1.0, no Content-Length: the body ends when the server closes
            data = Path(self.translate_path(self.path.removeprefix("/noLength"))).read_bytes()
            cut = len(data) // 2 if "cut" in self.path else len(data)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(data[:cut])
            self.close_connection = True
            return None
        if self.path.startswith("/chunked/"):  # HTTP/1.1 chunked; "cut" files lose the rest and the final chunk
            data = Path(self.translate_path(self.path.removeprefix("/chunked"))).read_bytes()
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            cut = len(data) // 2 if "cut" in self.path else len(data)
            for i in range(0, cut, 10_000):
                block = data[i:min(i + 10_000, cut)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
            if cut == len(data):
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return None
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return self.send_error(404, "not found")
        data = path.read_bytes()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def _flaky(self):
        Handler.flaky_calls += 1
        if Handler.flaky_calls == 1:  # announce everything, send half, close
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        start = int(self.headers.get("Range", "bytes=0-")[6:].split("-")[0])
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(PAYLOAD) - start))
        self.end_headers()
        self.wfile.write(PAYLOAD[start:])


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "data.bin").write_bytes(PAYLOAD)
    (root / "login.zip").write_bytes(b"<!DOCTYPE html>\n<html><body>Please log in</body></html>\n")
    for name in ("MSRA-TD500.zip", "cut.zip"):
        (root / name).write_bytes(ZIP)
    (root / "cut.bin").write_bytes(PAYLOAD)
    (root / "badrange.bin").write_bytes(PAYLOAD)
    (root / "other.zip").write_bytes(ZIP[::-1])
    Handler.flaky_calls = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Handler(*a, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


MD5 = hashlib.md5(PAYLOAD).hexdigest()
SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_fetch_downloads_verifies_and_logs_progress(server, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(download, "CHUNK", 16384)  # 19 reads of 16 KiB -> a progress line every 5 %
    dest = tmp_path / "dl" / "data.bin"
    with caplog.at_level(logging.INFO, logger="textsr.data.download"):
        out = fetch(f"{server}/data.bin", dest, md5=MD5, sha256=SHA256, size=len(PAYLOAD))
    assert out == dest and dest.read_bytes() == PAYLOAD
    assert not dest.with_name("data.bin.part").exists()
    progress = [r.getMessage() for r in caplog.records if "%" in r.getMessage()]
    assert len(progress) >= 10 and "100.0%" in progress[-1]
    assert dest.with_name("data.bin.sha256").read_text() == f"{SHA256}  data.bin\n"


def test_checksum_mismatch_is_an_error_naming_file_and_sums_and_moves_file_aside(server, tmp_path):
    dest = tmp_path / "data.bin"
    wrong = "0" * 32
    with pytest.raises(ChecksumError) as info:
        fetch(f"{server}/data.bin", dest, md5=wrong)
    msg = str(info.value)
    assert "data.bin" in msg and wrong in msg and MD5 in msg and "moved aside" in msg
    assert not dest.exists() and not dest.with_name("data.bin.part").exists()
    aside = list(tmp_path.glob("data.bin.bad-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == PAYLOAD
    assert aside[0].name == f"data.bin.bad-{SHA256[:12]}"


def test_file_already_present_is_verified_and_used_without_network(tmp_path):
    dest = tmp_path / "data.bin"
    dest.write_bytes(PAYLOAD)
    url = f"http://127.0.0.1:{_closed_port()}/data.bin"  # would fail if it were contacted
    assert fetch(url, dest, md5=MD5, size=len(PAYLOAD)) == dest


def test_file_already_present_with_wrong_checksum_is_moved_aside(tmp_path):
    dest = tmp_path / "data.bin"
    dest.write_bytes(PAYLOAD[:-1] + b"x")
    with pytest.raises(ChecksumError, match=f"expected {SHA256}"):
        fetch(None, dest, sha256=SHA256)
    assert not dest.exists() and len(list(tmp_path.glob("data.bin.bad-*"))) == 1


def test_size_mismatch_is_reported_before_hashing(tmp_path):
    path = tmp_path / "f.zip"
    path.write_bytes(b"abc")
    with pytest.raises(ChecksumError, match=r"expected 4 bytes, actual 3 bytes"):
        verify(path, size=4)
    assert verify(path, md5=hashlib.md5(b"abc").hexdigest().upper())["size"] == 3  # hex case does not matter


def test_missing_manual_download_names_file_page_and_exact_path(tmp_path):
    dest = tmp_path / "resources" / "downloads" / "groundtruth_text.zip"
    page = "https://drive.google.com/file/d/19quCaJGePvTc3yPZ7MAGNijjKfy77-ke/view"
    with pytest.raises(ManualDownloadRequired) as info:
        fetch(None, dest, page=page)
    msg = str(info.value)
    assert "groundtruth_text.zip" in msg and page in msg and str(dest.resolve()) in msg


def test_unreachable_url_stops_with_manual_message_naming_url_and_path(tmp_path):
    dest = tmp_path / "ch4_test_images.zip"
    url = f"http://127.0.0.1:{_closed_port()}/ch4_test_images.zip"
    with pytest.raises(ManualDownloadRequired) as info:
        fetch(url, dest, md5=MD5, page="https://rrc.cvc.uab.es/?ch=4&com=downloads", timeout=5)
    msg = str(info.value)
    assert url in msg and str(dest.resolve()) in msg and "rrc.cvc.uab.es/?ch=4" in msg and MD5 in msg
    assert not dest.exists()


def test_http_404_tries_the_mirror(server, tmp_path):
    dest = tmp_path / "data.bin"
    out = fetch([f"{server}/missing.bin", f"{server}/data.bin"], dest, md5=MD5)
    assert out.read_bytes() == PAYLOAD


def test_interrupted_transfer_keeps_the_part_and_the_next_run_resumes(server, tmp_path):
    dest = tmp_path / "flaky.bin"
    with pytest.raises(DownloadError, match="sent 153600 of 307200 bytes"):
        fetch(f"{server}/flaky.bin", dest, md5=MD5)
    part = tmp_path / "flaky.bin.part"
    assert part.stat().st_size == len(PAYLOAD) // 2 and not dest.exists()
    fetch(f"{server}/flaky.bin", dest, md5=MD5)  # Range: bytes=153600-
    assert dest.read_bytes() == PAYLOAD and Handler.flaky_calls == 2


def test_without_published_checksum_the_first_copy_is_recorded_and_later_checked(server, tmp_path):
    dest = tmp_path / "data.bin"
    fetch(f"{server}/data.bin", dest)
    assert (tmp_path / "data.bin.sha256").read_text().split()[0] == SHA256
    fetch(None, dest)  # present and equal to the record: fine
    dest.write_bytes(b"something else")
    with pytest.raises(ChecksumError, match=SHA256):
        fetch(None, dest)


def test_fetch_archive_uses_the_catalogue_and_writes_a_marker(server, tmp_path, monkeypatch):
    monkeypatch.setitem(catalog.ARCHIVES, "data.bin", catalog._a(f"{server}/data.bin", "https://example.org",
                                                                md5=MD5, size=len(PAYLOAD)))
    marker = fetch_archive("data.bin", tmp_path / "downloads")
    assert marker.name == "data.bin.verified"
    assert json.loads(marker.read_text()) == {"file": "data.bin", "sha256": SHA256, "size": len(PAYLOAD),
                                              "verified": True, "checked_against": "published checksum"}


def test_fetch_archive_of_a_missing_manual_folder_names_its_path_and_contents(tmp_path):
    with pytest.raises(ManualDownloadRequired) as info:
        fetch_archive("TextZoom", tmp_path / "resources" / "downloads")
    msg = str(info.value)
    assert str((tmp_path / "resources" / "downloads" / "TextZoom").resolve()) in msg
    assert "1WRVy-fC_KrembPkaI68uqQ9wyaptibMh" in msg and "train1/data.mdb" in msg


def test_fetch_archive_records_a_placed_folder_and_detects_later_changes(tmp_path):
    root = tmp_path / "TextZoom"
    for sub in catalog.ARCHIVES["TextZoom"]["contains"]:
        (root / sub).parent.mkdir(parents=True, exist_ok=True)
        (root / sub).write_bytes(sub.encode())
    assert json.loads(fetch_archive("TextZoom", tmp_path).read_text())["files"] == 5
    (root / "train1" / "data.mdb").write_bytes(b"changed")
    with pytest.raises(ChecksumError, match="train1/data.mdb"):
        fetch_archive("TextZoom", tmp_path)


def test_a_login_page_instead_of_the_file_asks_for_a_manual_download(server, tmp_path):
    dest = tmp_path / "ch8_validation_images.zip"
    url = f"{server}/login.zip"
    with pytest.raises(ManualDownloadRequired) as info:
        fetch(url, dest, md5=MD5, page="https://rrc.cvc.uab.es/?ch=8&com=downloads")
    msg = str(info.value)
    assert "web page" in msg and url in msg and str(dest.resolve()) in msg and "ch=8" in msg
    assert not dest.exists() and len(list(tmp_path.glob("ch8_validation_images.zip.bad-*"))) == 1


# ------------------------------------------------------------------ transfers whose end cannot be trusted

def test_a_zip_without_content_length_cut_short_is_refused_and_no_checksum_is_recorded(server, tmp_path):
    dest = tmp_path / "MSRA-TD500.zip"
    url = f"{server}/noLength/cut.zip"  # half the zip, then the server closes: looks like a normal end
    with pytest.raises(ManualDownloadRequired) as info:
        fetch(url, dest)
    msg = str(info.value)
    assert url in msg and "truncated or corrupt" in msg and "moved aside" in msg
    assert not dest.exists() and not (tmp_path / "MSRA-TD500.zip.sha256").exists()
    aside = list(tmp_path.glob("MSRA-TD500.zip.bad-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == ZIP[: len(ZIP) // 2]
    # the same zip complete, still without Content-Length: its central directory is there, so it is accepted
    fetch(f"{server}/noLength/MSRA-TD500.zip", dest)
    assert dest.read_bytes() == ZIP and (tmp_path / "MSRA-TD500.zip.sha256").read_text().split()[0] == ZIP_SHA256


def test_a_chunked_transfer_without_its_final_chunk_is_refused_and_records_nothing(server, tmp_path):
    dest = tmp_path / "MSRA-TD500.zip"
    url = f"{server}/chunked/cut.zip"
    with pytest.raises(DownloadError, match="ended before its last chunk after 10.... bytes") as info:
        fetch(url, dest)
    assert url in str(info.value)
    assert not dest.exists() and not (tmp_path / "MSRA-TD500.zip.sha256").exists()
    fetch(f"{server}/chunked/MSRA-TD500.zip", dest)  # complete chunked transfer (a new URL: part discarded)
    assert dest.read_bytes() == ZIP


def test_an_unknown_format_without_length_or_checksum_is_refused_but_a_checksum_is_enough(server, tmp_path):
    dest = tmp_path / "cut.bin"
    with pytest.raises(ManualDownloadRequired, match="cannot be told from the end of the file"):
        fetch(f"{server}/noLength/data.bin", dest)
    assert not dest.exists() and not (tmp_path / "cut.bin.sha256").exists()
    fetch(f"{server}/noLength/data.bin", dest, sha256=SHA256)  # the published checksum proves it whole
    assert dest.read_bytes() == PAYLOAD


def test_every_kind_of_failed_mirror_moves_on_to_the_next(server, tmp_path, caplog):
    dest = tmp_path / "MSRA-TD500.zip"
    dead = f"http://127.0.0.1:{_closed_port()}/MSRA-TD500.zip"
    urls = [dead, f"{server}/noLength/cut.zip", f"{server}/chunked/cut.zip", f"{server}/login.zip",
            f"{server}/MSRA-TD500.zip"]
    with caplog.at_level(logging.WARNING, logger="textsr.data.download"):
        assert fetch(urls, dest, timeout=5).read_bytes() == ZIP
    failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert len(failed) == 4 and all(u in m for u, m in zip(urls, failed))
    assert (tmp_path / "MSRA-TD500.zip.sha256").read_text().split()[0] == ZIP_SHA256
    assert not (tmp_path / "MSRA-TD500.zip.part").exists() and not (tmp_path / "MSRA-TD500.zip.part.url").exists()


def test_a_checksum_mismatch_on_one_mirror_moves_on_and_all_failing_names_each_url(server, tmp_path):
    dest = tmp_path / "MSRA-TD500.zip"
    wrong, good = f"{server}/other.zip", f"{server}/MSRA-TD500.zip"
    assert fetch([wrong, good], dest, sha256=ZIP_SHA256).read_bytes() == ZIP
    assert len(list(tmp_path.glob("MSRA-TD500.zip.bad-*"))) == 1  # the wrong file, kept aside
    dest.unlink()
    dead = f"http://127.0.0.1:{_closed_port()}/x.zip"
    with pytest.raises(ManualDownloadRequired) as info:
        fetch([wrong, dead, f"{server}/login.zip"], dest, sha256=ZIP_SHA256, timeout=5)
    msg = str(info.value)
    assert "every URL failed" in msg
    assert f"{wrong}: " in msg and "sha256 mismatch" in msg
    assert f"{dead}: " in msg and "Connection refused" in msg
    assert f"{server}/login.zip: " in msg and "web page" in msg
    with pytest.raises(ChecksumError, match="every URL gave a wrong file"):  # only wrong files: a checksum error
        fetch([wrong], dest, sha256=ZIP_SHA256)


def test_a_partial_download_from_another_url_is_not_resumed(server, tmp_path):
    dest = tmp_path / "data.bin"
    (tmp_path / "data.bin.part").write_bytes(b"x" * 1000)  # from a mirror that serves something else
    (tmp_path / "data.bin.part.url").write_text("http://mirror.example/data.bin\n")
    assert fetch(f"{server}/data.bin", dest, md5=MD5).read_bytes() == PAYLOAD  # appended, md5 would not match


# ------------------------------------------------------------------ files placed by hand, without a checksum

def test_a_truncated_zip_placed_by_hand_is_refused_on_first_use_and_not_recorded(tmp_path):
    dest = tmp_path / "ctw1500.zip"
    dest.write_bytes(ZIP[:-100])
    with pytest.raises(IncompleteFileError, match="ctw1500.zip: truncated or corrupt archive"):
        fetch(None, dest)
    assert not dest.exists() and not (tmp_path / "ctw1500.zip.sha256").exists()
    assert len(list(tmp_path.glob("ctw1500.zip.bad-*"))) == 1


def test_a_legacy_torch_checkpoint_is_checked_by_loading_it(tmp_path):
    torch = pytest.importorskip("torch")
    whole = tmp_path / "whole.pt"
    torch.save({"head.0.weight": torch.arange(64000, dtype=torch.float32)}, whole,
               _use_new_zipfile_serialization=False)  # RCAN_BIX*.pt (2018) are in this legacy pickle format
    assert whole.read_bytes()[:1] == b"\x80"  # a pickle, not a zip
    dest = tmp_path / "RCAN_BIX4.pt"
    dest.write_bytes(whole.read_bytes()[:-5000])
    with pytest.raises(IncompleteFileError, match="RCAN_BIX4.pt: cannot be read as a torch checkpoint"):
        fetch(None, dest)
    assert not (tmp_path / "RCAN_BIX4.pt.sha256").exists()
    dest.write_bytes(whole.read_bytes())
    fetch(None, dest)
    assert (tmp_path / "RCAN_BIX4.pt.sha256").read_text().split()[0] == hashlib.sha256(whole.read_bytes()).hexdigest()


# ------------------------------------------------------------------ rehearsal switch, markers, replaced archives

def test_verify_false_compares_nothing_records_nothing_and_warns_on_every_use(tmp_path, caplog, monkeypatch):
    dest = tmp_path / "ch4_test_images.zip"
    dest.write_bytes(ZIP)  # a replica: the catalogue's published md5 cannot match
    for _ in range(2):
        with caplog.at_level(logging.WARNING, logger="textsr.data.download"):
            assert fetch(None, dest, md5="0" * 32, verify=False) == dest
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all(str(dest) in r.getMessage() and "verification is OFF" in r.getMessage()
                                      for r in warnings)
    assert not (tmp_path / "ch4_test_images.zip.sha256").exists() and dest.exists()
    marker = json.loads(fetch_archive("ch4_test_images.zip", tmp_path, verify=False).read_text())
    assert marker == {"file": "ch4_test_images.zip", "sha256": ZIP_SHA256, "size": len(ZIP), "verified": False,
                      "checked_against": None}
    with pytest.raises(ChecksumError, match="md5 mismatch"):  # the same call, verified: refused
        fetch_archive("ch4_test_images.zip", tmp_path)


def test_the_marker_is_rewritten_only_when_the_archive_content_changes(server, tmp_path, monkeypatch):
    import os

    monkeypatch.setitem(catalog.ARCHIVES, "MSRA-TD500.zip", catalog._a(f"{server}/MSRA-TD500.zip", "https://x.org"))
    marker = fetch_archive("MSRA-TD500.zip", tmp_path)
    first = json.loads(marker.read_text())
    assert first["sha256"] == ZIP_SHA256 and first["checked_against"] == "first-use record"
    os.utime(marker, (1_000_000_000, 1_000_000_000))
    fetch_archive("MSRA-TD500.zip", tmp_path)  # same content: the marker is left alone (mtime kept)
    assert marker.stat().st_mtime == 1_000_000_000
    # the user replaces the archive and deletes its record, as the README says
    (tmp_path / "MSRA-TD500.zip").write_bytes(ZIP[::-1][:1000] + ZIP)  # a zip with a prefix is still a zip
    with pytest.raises(ChecksumError, match="MSRA-TD500.zip.bad-"):  # record kept: refused
        fetch_archive("MSRA-TD500.zip", tmp_path)
    (tmp_path / "MSRA-TD500.zip").write_bytes(ZIP[::-1][:1000] + ZIP)
    record_path("MSRA-TD500.zip", tmp_path).unlink()
    fetch_archive("MSRA-TD500.zip", tmp_path)
    new_sha = hashlib.sha256(ZIP[::-1][:1000] + ZIP).hexdigest()
    assert json.loads(marker.read_text())["sha256"] == new_sha and marker.stat().st_mtime > 1_000_000_000


def test_a_folder_marker_holds_the_sha256_of_its_per_file_record_and_added_files_count(tmp_path):
    root = tmp_path / "TextZoom"
    for sub in catalog.ARCHIVES["TextZoom"]["contains"]:
        (root / sub).parent.mkdir(parents=True, exist_ok=True)
        (root / sub).write_bytes(sub.encode())
    (root / "train1" / "lock.mdb").write_bytes(b"changes on every open")
    marker = json.loads(fetch_archive("TextZoom", tmp_path).read_text())
    record = record_path("TextZoom", tmp_path)
    assert record.name == "TextZoom.sha256.json"
    assert marker["sha256"] == hashlib.sha256(record.read_bytes()).hexdigest() and marker["files"] == 5
    # the record itself: sha256 of b"train1/data.mdb" etc., keyed by relative path
    assert json.loads(record.read_text())["train1/data.mdb"] == hashlib.sha256(b"train1/data.mdb").hexdigest()
    assert verified_sha256(tmp_path, "TextZoom") == {"sha256": marker["sha256"], "verified": True}
    (root / "train1" / ".DS_Store").write_bytes(b"Finder")  # hidden files are not part of the record
    assert json.loads(fetch_archive("TextZoom", tmp_path).read_text()) == marker
    (root / "train1" / "extra.mdb").write_bytes(b"new")
    with pytest.raises(ChecksumError, match=r"train1/extra\.mdb expected sha256 \(not in the record\)"):
        fetch_archive("TextZoom", tmp_path)


def test_verified_sha256_falls_back_to_the_records_without_a_marker(tmp_path):
    (tmp_path / "a.zip.sha256").write_text("ab" * 32 + "  a.zip\n")
    (tmp_path / "TextZoom.sha256.json").write_text('{"x": "1"}\n')
    assert verified_sha256(tmp_path, "a.zip") == {"sha256": "ab" * 32, "verified": None}
    assert verified_sha256(tmp_path, "TextZoom") == {"sha256": hashlib.sha256(b'{"x": "1"}\n').hexdigest(),
                                                     "verified": None}
    assert verified_sha256(tmp_path, "none.zip") == {"sha256": None, "verified": None}


def test_a_malformed_record_is_named_and_the_file_is_left_in_place(tmp_path):
    dest = tmp_path / "MSRA-TD500.zip"
    dest.write_bytes(ZIP)
    (tmp_path / "MSRA-TD500.zip.sha256").write_text("not-a-sum  MSRA-TD500.zip\n")
    with pytest.raises(ChecksumError, match=r"MSRA-TD500\.zip\.sha256:1: malformed sha256"):
        fetch(None, dest)
    assert dest.read_bytes() == ZIP


def test_a_206_reply_that_does_not_start_where_the_part_ends_restarts_the_download(server, tmp_path):
    dest = tmp_path / "badrange.bin"
    url = f"{server}/badrange.bin"
    (tmp_path / "badrange.bin.part").write_bytes(PAYLOAD[:1000])
    (tmp_path / "badrange.bin.part.url").write_text(url + "\n")
    # appending the whole body after the 1000 bytes would give 308,200 bytes and a wrong md5
    assert fetch(url, dest, md5=MD5).read_bytes() == PAYLOAD


def test_verify_false_still_refuses_a_transfer_whose_end_cannot_be_trusted(server, tmp_path):
    dest = tmp_path / "MSRA-TD500.zip"
    with pytest.raises(ManualDownloadRequired, match="truncated or corrupt"):
        fetch(f"{server}/noLength/cut.zip", dest, verify=False)
    assert not dest.exists()
    assert fetch(f"{server}/noLength/MSRA-TD500.zip", dest, verify=False).read_bytes() == ZIP
    assert not (tmp_path / "MSRA-TD500.zip.sha256").exists()
