"""Media storage that never shows a half-written file under its final name: local files
(AtomicFileSystemStorage, the default) or any S3-compatible service (s3.AtomicS3Storage,
when SAFEFACE_S3_BUCKET is set). Either way the code reads and writes through Django's storage
API; `read_range` and `temporary_leftovers` are the two things the API lacks."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from django.core.files.storage import FileSystemStorage

# Where an S3 object is written first; moved into place only when complete (s3.AtomicS3Storage).
TEMPORARY_PREFIX = ".part/"
CHUNK = 64 * 1024


class AtomicFileSystemStorage(FileSystemStorage):
    """Writes to a hidden temporary file beside the target, then links it into place;
    a worker killed mid-write leaves no partial file with a real name."""

    def _save(self, name, content):
        while True:
            target = Path(self.path(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    if hasattr(content, "seek"):
                        content.seek(0)
                    for chunk in content.chunks():
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(tmp, target)  # unlike rename, refuses to replace an existing file
                except FileExistsError:
                    name = self.get_available_name(name)
                    continue
            finally:
                os.unlink(tmp)
            if self.file_permissions_mode is not None:
                os.chmod(target, self.file_permissions_mode)
            return str(name).replace("\\", "/")


def is_s3(storage) -> bool:
    return hasattr(storage, "bucket_name")


def key_prefix(storage) -> str:
    """An S3 storage's own part of its bucket ("" or "prefix/"), before every key it names."""
    location = storage.location.strip("/")
    return f"{location}/" if location else ""


def read_range(storage, name: str, start: int, length: int):
    """The bytes start..start+length-1 of a stored file, in chunks, never the whole file
    in memory: a ranged GET on S3, a seek on local files."""
    if length <= 0:
        return
    if is_s3(storage):
        key = storage._normalize_name(name)
        body = storage.connection.meta.client.get_object(
            Bucket=storage.bucket_name, Key=key, Range=f"bytes={start}-{start + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def stored_files(storage, folder: str, *, hidden: bool = False):
    """(name, modified as a Unix time) of every file below `folder` ("" for all), on S3 from
    the listing itself (no request per object). `hidden`: writes in progress too (temporary
    keys on S3, dot files on disk)."""
    if is_s3(storage):
        client, base = storage.connection.meta.client, key_prefix(storage)
        prefix = base + (folder.strip("/") + "/" if folder.strip("/") else "")
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                name = entry["Key"][len(base):]
                if hidden or not name.startswith(TEMPORARY_PREFIX):
                    yield name, entry["LastModified"].timestamp()
        return
    root = Path(storage.location)
    for path in (root / folder).rglob("*"):
        if path.is_file() and (hidden or not path.name.startswith(".")):
            yield path.relative_to(root).as_posix(), path.stat().st_mtime


def temporary_leftovers(storage, older_than: float) -> int:
    """Remove what killed writers left, untouched for `older_than` seconds: temporary keys and
    unfinished multipart uploads on S3 (local files leave nothing: the kernel drops a dead
    process's temporary file only if we unlinked it, so hidden `.part` files are removed too)."""
    if is_s3(storage):
        return _s3_leftovers(storage, older_than)
    return _local_leftovers(Path(storage.location), older_than)


def _s3_leftovers(storage, older_than: float) -> int:
    client, bucket = storage.connection.meta.client, storage.bucket_name
    cutoff = datetime.now(timezone.utc).timestamp() - older_than
    prefix = key_prefix(storage) + TEMPORARY_PREFIX
    removed = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", ()):
            if entry["LastModified"].timestamp() < cutoff:
                client.delete_object(Bucket=bucket, Key=entry["Key"])
                removed += 1
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
        for upload in page.get("Uploads", ()):
            if upload["Initiated"].timestamp() < cutoff:
                client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                removed += 1
    return removed


def _local_leftovers(root: Path, older_than: float) -> int:
    cutoff, removed = time.time() - older_than, 0
    for path in root.rglob(".*.part"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
