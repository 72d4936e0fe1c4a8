"""`manage.py fetch_models` against a real HTTP server started here (with Range support), serving
small stand-ins for buffalo_l.zip and inswapper_128.onnx whose sizes and digests replace the manifest's."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import socket
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from facekit.engines import production_weights


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """GET for files of `server.folder`, honouring `Range: bytes=N-` with 206 Partial Content."""

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Range")))
        path = self.server.folder / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][len("bytes="):].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args):
        pass  # keep test output clean


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.folder, httpd.requests = folder, []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def served_models(server, monkeypatch):
    """Stand-in files on the server, and a manifest that pins their sizes and digests."""
    pack = _zip_with({"buffalo_l/det_10g.onnx": b"detector" * 1000, "buffalo_l/w600k_r50.onnx": b"arcface" * 3000,
                      "buffalo_l/readme.txt": b"not a model"})
    swapper = bytes(range(256)) * 4000  # about 1 MB, several chunks
    files = {"buffalo_l.zip": pack, "inswapper_128.onnx": swapper}
    for name, data in files.items():
        (server.folder / name).write_bytes(data)
    pinned = tuple(
        dataclasses.replace(file, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        for file in production_weights.HTTP_FILES
        for data in [files[file.filename]]
    )
    monkeypatch.setattr(production_weights, "HTTP_FILES", pinned)
    return files


def _fetch(models_dir: Path, base_url: str, *only: str) -> str:
    output = io.StringIO()
    arguments = [f"--only={name}" for name in only or ("buffalo_l", "inswapper")]
    call_command("fetch_models", *arguments, f"--base-url={base_url}", f"--models-dir={models_dir}",
                 "--timeout=5", stdout=output)
    return output.getvalue()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_it_downloads_verifies_and_unpacks(server, served_models, tmp_path):
    models_dir = tmp_path / "models"

    output = _fetch(models_dir, server.url)

    swapper = models_dir / "insightface" / "inswapper_128.onnx"
    assert swapper.read_bytes() == served_models["inswapper_128.onnx"]
    pack = models_dir / "insightface" / "buffalo_l"
    assert sorted(path.name for path in pack.iterdir()) == ["det_10g.onnx", "w600k_r50.onnx"]
    assert (pack / "det_10g.onnx").read_bytes() == b"detector" * 1000
    assert not (models_dir / "downloads" / "buffalo_l.zip").exists()  # the zip goes once unpacked
    assert not list(models_dir.rglob("*.part"))
    assert "1.0 MB" in output and "100%" in output and "verified" in output


def test_it_skips_models_already_in_place(server, served_models, tmp_path):
    models_dir = tmp_path / "models"
    _fetch(models_dir, server.url)
    server.requests.clear()

    output = _fetch(models_dir, server.url)

    assert server.requests == []
    assert output.count("already present") == 2


def test_it_refuses_a_file_whose_checksum_does_not_match(server, served_models, tmp_path, monkeypatch):
    wrong = tuple(dataclasses.replace(file, sha256="0" * 64) for file in production_weights.HTTP_FILES)
    monkeypatch.setattr(production_weights, "HTTP_FILES", wrong)
    models_dir = tmp_path / "models"

    with pytest.raises(CommandError, match="checksum mismatch"):
        _fetch(models_dir, server.url, "inswapper")

    assert [path for path in models_dir.rglob("*") if path.is_file()] == []


def test_it_resumes_a_partial_download(server, served_models, tmp_path):
    models_dir = tmp_path / "models"
    data = served_models["inswapper_128.onnx"]
    part = models_dir / "insightface" / "inswapper_128.onnx.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:400_000])

    _fetch(models_dir, server.url, "inswapper")

    assert server.requests == [("/inswapper_128.onnx", "bytes=400000-")]
    assert (models_dir / "insightface" / "inswapper_128.onnx").read_bytes() == data
    assert not part.exists()


def test_it_starts_again_when_the_partial_file_is_too_long(server, served_models, tmp_path):
    models_dir = tmp_path / "models"
    data = served_models["inswapper_128.onnx"]
    part = models_dir / "insightface" / "inswapper_128.onnx.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data + b"junk")

    _fetch(models_dir, server.url, "inswapper")

    assert server.requests == [("/inswapper_128.onnx", None)]
    assert (models_dir / "insightface" / "inswapper_128.onnx").read_bytes() == data


def test_it_says_so_when_the_server_lacks_the_file(server, served_models, tmp_path):
    (server.folder / "inswapper_128.onnx").unlink()
    with pytest.raises(CommandError, match="HTTP 404"):
        _fetch(tmp_path / "models", server.url, "inswapper")


def test_it_explains_when_the_host_cannot_be_reached(served_models, tmp_path):
    with pytest.raises(CommandError) as raised:
        _fetch(tmp_path / "models", _closed_port_url(), "inswapper")
    message = str(raised.value)
    assert "cannot reach 127.0.0.1" in message and "offline engines" in message
    assert not (tmp_path / "models" / "insightface" / "inswapper_128.onnx").exists()


def test_it_explains_when_the_hugging_face_hub_cannot_be_reached(tmp_path):
    output = io.StringIO()
    with pytest.raises(CommandError, match="cannot reach the Hugging Face Hub for Corcelio/mobius"):
        call_command("fetch_models", "--only=diffusion", f"--hf-endpoint={_closed_port_url().rstrip('/')}",
                     f"--models-dir={tmp_path}", stdout=output)


def test_the_manifest_pins_every_production_file():
    for file in production_weights.HTTP_FILES:
        assert len(file.sha256) == 64 and file.size > 100_000_000
        assert file.url().startswith("https://github.com/deepinsight/insightface/releases/download/")
