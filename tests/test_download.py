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
from textsr.data.download import (ChecksumError, DownloadError, ManualDownloadRequired, fetch, fetch_archive,
                                  verify)

PAYLOAD = bytes(range(256)) * 1200  # 307,200 bytes


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, plus Range support and a /flaky.bin that drops the connection half-way the first time."""

    flaky_calls = 0

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        if self.path == "/flaky.bin":
            return self._flaky()
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
    assert json.loads(marker.read_text()) == {"file": "data.bin", "sha256": SHA256, "size": len(PAYLOAD)}


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
