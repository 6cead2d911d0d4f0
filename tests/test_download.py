"""Downloader against a local HTTP server (127.0.0.1 only): success, truncated, wrong, 404, offline."""

import gzip
import hashlib
import io
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from cnn_scratch.data import DownloadError, download_mnist, load_mnist
from cnn_scratch.data import download as download_module
from cnn_scratch.data.idx import encode_idx, read_idx
from cnn_scratch.data.sources import ENV_VAR, FILES


@pytest.fixture(autouse=True)
def local_only(monkeypatch, tmp_path):
    """No proxy for 127.0.0.1, and a throw-away user cache."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def synthetic(rng):
    """Four small IDX files under the MNIST names: name -> (gz bytes, sha256 of content)."""
    out = {}
    for name in FILES:
        shape = (5, 28, 28) if "images" in name else (5,)
        content = encode_idx(rng.integers(0, 256 if "images" in name else 10, size=shape, dtype=np.uint8))
        out[name] = (gzip.compress(content), hashlib.sha256(content).hexdigest())
    return out


class Server:
    """http.server in a thread serving ``files`` ({url path: bytes}) in a given ``mode``."""

    def __init__(self, files, mode="ok"):
        self.files, self.mode, self.requests = files, mode, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None or server.mode == "404":
                    self.send_error(404)
                    return
                if server.mode == "wrong":
                    body = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07")  # a valid but other file
                sent = body[: len(body) // 2] if server.mode in ("cut", "short") else body
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) if server.mode == "cut" else len(sent)))
                self.end_headers()
                self.wfile.write(sent)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(synthetic, mode="ok"):
    return Server({f"/mnist/{name}.gz": gz for name, (gz, _) in synthetic.items()}, mode)


def sums(synthetic):
    return {name: sha for name, (_, sha) in synthetic.items()}


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"  # nothing listens here any more


def listing(d):
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_success_files_land_verified_with_progress(tmp_path, synthetic):
    dest, log = tmp_path / "dest", io.StringIO()
    with serve(synthetic) as srv:
        out = download_mnist(dest, mirrors=[srv.url], checksums=sums(synthetic), progress_file=log)
    assert out == dest
    assert listing(dest) == sorted(f"{n}.gz" for n in FILES)  # no temporary files left
    for name, (gz, sha) in synthetic.items():
        assert (dest / f"{name}.gz").read_bytes() == gz
        read_idx(dest / f"{name}.gz", sha256=sha)
    assert "train-images-idx3-ubyte.gz:" in log.getvalue() and "B/s" in log.getvalue()
    assert len(srv.requests) == 4
    with serve(synthetic) as srv:  # a second call finds them and fetches nothing
        download_mnist(dest, mirrors=[srv.url], checksums=sums(synthetic), show_progress=False)
    assert srv.requests == []


@pytest.mark.parametrize(
    ("mode", "pattern"),
    [
        ("cut", r"cut short"),  # connection closed before Content-Length bytes
        ("short", r"corrupt or truncated gzip"),  # honest length, half a file
        ("wrong", r"to have SHA-256 .*got SHA-256"),  # a complete file with other content
        ("404", r"HTTP Error 404"),
    ],
)
def test_bad_mirror_leaves_nothing_and_falls_through(tmp_path, synthetic, mode, pattern):
    dest = tmp_path / "dest"
    with serve(synthetic, mode) as bad:
        with pytest.raises(DownloadError, match=pattern) as info:
            download_mnist(dest, mirrors=[bad.url], checksums=sums(synthetic), show_progress=False)
        msg = str(info.value)
        assert "train-images-idx3-ubyte.gz" in msg and "--data-dir" in msg and "nothing was kept" in msg
        assert listing(dest) == []  # no partial file, no .part file
        with serve(synthetic) as good:
            download_mnist(dest, mirrors=[bad.url, good.url], checksums=sums(synthetic), show_progress=False)
    assert listing(dest) == sorted(f"{n}.gz" for n in FILES)
    assert len(bad.requests) == 1 + 4 and len(good.requests) == 4  # tried first every time, then fell through


def test_unreachable_mirror_gives_offline_message(tmp_path, synthetic):
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=r"no connection to any of them.*you seem to be offline") as info:
        download_mnist(
            dest, mirrors=[closed_port_url()], checksums=sums(synthetic), timeout=5, show_progress=False
        )
    assert "--data-dir DIR" in str(info.value) and f"{ENV_VAR}=DIR" in str(info.value)
    assert listing(dest) == []
    with serve(synthetic) as good:  # unreachable first, then a working mirror
        download_mnist(
            dest, mirrors=[closed_port_url(), good.url], checksums=sums(synthetic), show_progress=False
        )
    assert len(listing(dest)) == 4


def test_interrupted_download_leaves_no_file(tmp_path, synthetic, monkeypatch):
    """An exception in the middle of writing (e.g. Ctrl-C) removes the temporary file."""
    dest = tmp_path / "dest"

    class Interrupt(BaseException):
        pass

    calls = []

    def update(self, n=1):
        calls.append(n)
        raise Interrupt

    monkeypatch.setattr("cnn_scratch.progress.PlainProgress.update", update)
    with serve(synthetic) as srv, pytest.raises(Interrupt):
        download_mnist(dest, mirrors=[srv.url], checksums=sums(synthetic), progress_file=io.StringIO())
    assert calls and listing(dest) == []


def test_load_mnist_downloads_when_nothing_found_and_reports_offline(monkeypatch):
    monkeypatch.setattr(download_module, "MIRRORS", (closed_port_url(),))
    with pytest.raises(
        DownloadError, match=r"offline.*--data-dir DIR or the environment variable CNN_SCRATCH_DATA"
    ):
        load_mnist("test")
