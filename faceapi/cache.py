"""The API's disk cache: one folder per engine, one per render key inside it.

    <cache>/<engine name@version>/<key[:2]>/<key>/master.npy      a face at the generator's own size (raw RGB)
                                                 /frames/0000.npy   a morph's frames, likewise
                                                 /300.webp          encoded, labelled variants
                                                 /animation.mp4     an encoded morph

Files are written once: to a temporary name beside the target, then linked into place,
which fails if another process got there first; the loser then serves the winner's
file. That is what makes the bytes for a key the same everywhere, even though every
C2PA signature carries random salts (see views.py).

With media on S3 (SAFEFACE_S3_BUCKET), the bucket is the shared cache and each machine's
folder a read-through copy of it: a file goes to the bucket first, written once with a
conditional PUT (If-None-Match: *), so the first writer wins on every machine, and a web
process that lacks a file fetches it from the bucket once. Cached files never change, so a
local copy never goes stale; a morph's frames folder is complete once its `.complete`
object is there.

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
from django.core.files.storage import default_storage

from facekit.core.storage import is_s3, key_prefix, stored_files

from .api_engine import Engine


ETAGS_KEPT = 100_000  # file identities whose ETag a process keeps (about 20 MB at most)
_etags: dict[tuple, str] = {}


def root() -> Path:
    return _root(settings.SAFEFACE_API_CACHE_DIR, str(settings.MEDIA_ROOT))


# Cached by the settings' values (tests change them): every cached face asks for its folder.
@functools.lru_cache(maxsize=16)
def _root(cache_dir: str, media_root: str) -> Path:
    return Path(cache_dir or Path(media_root) / "faceapi")


def render_key(engine: Engine, kind: str, params: dict) -> str:
    """The render's identity: engine, pixel-changing settings, kind and parameters."""
    payload = {"engine": engine.name, "config": [list(item) for item in engine.config], "kind": kind, "params": params}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def folder(engine_name: str, key: str) -> Path:
    return _engine_folder(root(), engine_name) / key[:2] / key


@functools.lru_cache(maxsize=64)
def _engine_folder(root: Path, engine_name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "@._-" else "_" for c in engine_name)
    return root / safe


def write_once(path: Path, data: bytes) -> bytes:
    """Put `data` at `path` unless a file is already there (in the bucket too, when media is
    on S3); return what is there now."""
    if (bucket := _bucket(path)) is not None:
        data = bucket.put_once(_key(path), data)
    return _write_local_once(path, data)


def fetch(path: Path) -> bool:
    """Whether the file is here, fetched from the bucket first when only it holds it."""
    if path.is_file():
        return True
    bucket = _bucket(path)
    data = bucket.get(_key(path)) if bucket is not None else None
    if data is None:
        return False
    _write_local_once(path, data)
    return True


def fetch_folder(path: Path) -> bool:
    """Whether the whole folder is here (see write_folder_once), fetched from the bucket
    first when only it holds it."""
    if path.is_dir():
        return True
    bucket = _bucket(path)
    if bucket is None or bucket.get(_key(path / COMPLETE)) is None:
        return False
    _write_local_folder_once(path, bucket.folder(_key(path)))
    return True


def _write_local_once(path: Path, data: bytes) -> bytes:
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
    """Put a folder of files at `path` whole, unless one is already there (in the bucket:
    each file once, then its COMPLETE marker)."""
    if (bucket := _bucket(path)) is not None:
        files = {name: bucket.put_once(f"{_key(path)}/{name}", data) for name, data in files.items()}
        bucket.put_once(_key(path / COMPLETE), b"")
    _write_local_folder_once(path, files)


def _write_local_folder_once(path: Path, files: dict[str, bytes]) -> None:
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
    """(strong ETag, bytes) of the file at `path`, or None when there is none (here or in the
    bucket). The bytes are not read (None) when the ETag is one of `unless_tagged` ("*": any)."""
    if not path.is_file() and not fetch(path):
        return None
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


# --- the bucket, when media is on S3 ---------------------------------------------------

COMPLETE = ".complete"


def _key(path: Path) -> str:
    return "faceapi/" + path.relative_to(root()).as_posix()


def _bucket(path: Path) -> "_Bucket | None":
    """The bucket that shares `path`, when media is on S3 and the path is in the cache."""
    return _Bucket(default_storage) if is_s3(default_storage) and path.is_relative_to(root()) else None


class _Bucket:
    """The face API's objects in the media bucket, beside (not through) the storage API:
    the cache needs a conditional PUT, which Django's storage API has no word for."""

    def __init__(self, storage):
        from botocore.exceptions import ClientError

        self.storage, self.ClientError = storage, ClientError
        self.client, self.bucket, self.prefix = storage.connection.meta.client, storage.bucket_name, key_prefix(storage)

    def put_once(self, key: str, data: bytes) -> bytes:
        """Store `data` unless the key holds something; return what it holds now."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, IfNoneMatch="*")
            return data
        except self.ClientError as error:
            if error.response["Error"]["Code"] not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
        return self.get(key)

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except self.ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise

    def folder(self, key: str) -> dict[str, bytes]:
        names = [name.rsplit("/", 1)[1] for name, _ in stored_files(self.storage, key)]
        return {name: self.get(f"{key}/{name}") for name in names if name != COMPLETE}

