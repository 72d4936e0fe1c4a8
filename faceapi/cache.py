"""The API's disk cache: one folder per engine, one per render key inside it.

    <cache>/<engine name@version>/<key[:2]>/<key>/master.png      a face at the generator's own size
                                                 /frames/0000.png   a morph's frames, likewise
                                                 /300.webp          encoded, labelled variants
                                                 /animation.mp4     an encoded morph

Files are written once: to a temporary name beside the target, then linked into place,
which fails if another process got there first; the loser then serves the winner's
file. That is what makes the bytes for a key the same everywhere, even though every
C2PA signature carries random salts (see views.py).

A served file's strong ETag is the hash of its bytes, kept in memory per file identity
(device, inode, mtime, size): a file is never changed in place, and a key cleared and
labelled again is a new file with a later mtime (labelling takes far longer than the
clock's tick), so each process hashes a file once and can answer a matching
If-None-Match without reading it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from .engine import Engine


ETAGS_KEPT = 100_000  # file identities whose ETag a process keeps (about 20 MB at most)
_etags: dict[tuple, str] = {}


def root() -> Path:
    return Path(settings.SAFEFACE_API_CACHE_DIR or Path(settings.MEDIA_ROOT) / "faceapi")


def render_key(engine: Engine, kind: str, params: dict) -> str:
    """The render's identity: engine, pixel-changing settings, kind and parameters."""
    payload = {"engine": engine.name, "config": [list(item) for item in engine.config], "kind": kind, "params": params}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def folder(engine_name: str, key: str) -> Path:
    return _engine_folder(str(root()), engine_name) / key[:2] / key


@functools.lru_cache(maxsize=64)
def _engine_folder(root: str, engine_name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "@._-" else "_" for c in engine_name)
    return Path(root) / safe


def write_once(path: Path, data: bytes) -> bytes:
    """Put `data` at `path` unless a file is already there; return what is there now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        try:
            os.link(tmp, path)  # unlike rename, never replaces a file another process linked first
        except FileExistsError:
            return path.read_bytes()
    finally:
        os.unlink(tmp)
    return data


def write_folder_once(path: Path, files: dict[str, bytes]) -> None:
    """Put a folder of files at `path` whole, unless one is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=".", suffix=".part"))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        try:
            os.rename(tmp, path)  # a directory rename fails when the target exists and is not empty
        except OSError:
            if not path.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read(path: Path, unless_tagged: frozenset[str] | set[str] = frozenset()) -> tuple[str, bytes | None] | None:
    """(strong ETag, bytes) of the file at `path`, or None when there is none. The bytes
    are not read (None) when the ETag is one of `unless_tagged` ("*": any)."""
    try:
        file = open(path, "rb")
    except (FileNotFoundError, NotADirectoryError):
        return None
    with file:
        # The identity comes from the open file, so the ETag and the bytes read belong together.
        info = os.fstat(file.fileno())
        identity = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        tag = _etags.get(identity)
        if tag is not None and (tag in unless_tagged or "*" in unless_tagged):
            return tag, None
        data = file.read()
    if tag is None:
        tag = etag(data)
        if len(_etags) >= ETAGS_KEPT:
            _etags.clear()
        _etags[identity] = tag
    return tag, (None if tag in unless_tagged or "*" in unless_tagged else data)


def etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
