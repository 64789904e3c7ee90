"""Downloads: atomic, checksummed, and one clear message when offline."""

from __future__ import annotations

import hashlib
import http.server
import logging
import threading
import urllib.error
import urllib.request

import pytest

from xqg.downloads import ChecksumError, DownloadError, download, sha256_of, verify_checksum

BODY = b"id\ttext\ttitle\n1\t\"Aaron ( or ; \"\"Ah\"\")\"\tAaron\n" * 50
BODY_SHA = hashlib.sha256(BODY).hexdigest()


@pytest.fixture(scope="module")
def server():
    """A local HTTP server: /file serves BODY, /short promises more bytes than it sends."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200 if self.path in ("/file", "/short") else 404)
            if self.path == "/file":
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)
            elif self.path == "/short":
                self.send_header("Content-Length", str(len(BODY) + 100))
                self.end_headers()
                self.wfile.write(BODY)
            else:
                self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_verifies_and_renames_atomically(server, tmp_path):
    dest = tmp_path / "sub" / "corpus.tsv"
    assert download(f"{server}/file", dest, BODY_SHA, timeout=5) == BODY_SHA
    assert dest.read_bytes() == BODY
    assert sorted(p.name for p in dest.parent.iterdir()) == ["corpus.tsv"]  # no .part left


def test_download_checksum_mismatch_names_file_and_both_digests(server, tmp_path):
    dest = tmp_path / "corpus.tsv"
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as error:
        download(f"{server}/file", dest, wrong, timeout=5)
    message = str(error.value)
    assert "corpus.tsv" in message and wrong in message and BODY_SHA in message
    assert list(tmp_path.iterdir()) == []  # neither the file nor its .part


def test_download_unpinned_logs_digest_and_asks_to_pin(server, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="xqg.downloads"):
        digest = download(f"{server}/file", tmp_path / "gp.zip", None, timeout=5, config_name="gold_paragraphs")
    assert digest == BODY_SHA
    assert BODY_SHA in caplog.text and "data.xor_tydi.files.gold_paragraphs.sha256" in caplog.text


def test_download_truncated_transfer_fails_and_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError):
        download(f"{server}/short", tmp_path / "x.tsv", None, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_offline_gives_one_clear_message(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    dest = tmp_path / "xor_tydi" / "tydi_xor_gp.zip"
    url = "https://nlp.cs.washington.edu/xorqa/XORQA_site/data/tydi_xor_gp.zip"
    with pytest.raises(DownloadError) as error:
        download(url, dest, None, timeout=1, config_name="gold_paragraphs")
    message = str(error.value)
    assert "tydi_xor_gp.zip" in message and url in message and str(dest) in message
    assert "data.xor_tydi.files.gold_paragraphs.path" in message
    assert "name resolution" in message
    assert not dest.exists() and not dest.with_name(dest.name + ".part").exists()


def test_unreachable_host_is_reported_the_same_way(tmp_path):
    # port 9 (discard) on localhost: refused at once, no network needed
    with pytest.raises(DownloadError) as error:
        download("http://127.0.0.1:9/enwiki_20190201_w100.tsv", tmp_path / "enwiki_20190201_w100.tsv", None, timeout=0.5)
    assert "data.xor_tydi.files.<name>.path (of the entry with filename enwiki_20190201_w100.tsv)" in str(error.value)


def test_http_error_is_reported_with_its_status(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{server}/missing", tmp_path / "missing.tsv", None, timeout=5)


def test_verify_checksum_local_file(tmp_path, caplog):
    path = tmp_path / "local.jsonl"
    path.write_bytes(b"abc")
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256("abc"), FIPS 180-2
    assert sha256_of(path) == abc
    assert verify_checksum(path, abc.upper()) == abc
    with pytest.raises(ChecksumError, match=f"local.jsonl.*expected {'1' * 64}, got {abc}"):
        verify_checksum(path, "1" * 64)
    with caplog.at_level(logging.WARNING, logger="xqg.downloads"):
        assert verify_checksum(path, None) == abc
    assert abc in caplog.text and "pin" in caplog.text
