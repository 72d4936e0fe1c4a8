"""Resumable, checksum-verified HTTP downloads for `manage.py fetch_models` (pure Python, no Django).

A download goes to `<target>.part`; a later run asks the server for the rest with an
HTTP Range request. Only a file whose size and SHA-256 match the manifest is moved
into place; a complete `.part` with the wrong digest is deleted.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
Progress = Callable[[int, int], None]  # (bytes so far, total bytes)


class DownloadError(Exception):
    """A download that did not produce a verified file; the message says what to do."""


class OfflineError(DownloadError):
    """The host could not be reached at all."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, target: Path, size: int, sha256: str, progress: Progress | None = None,
             timeout: float = 30.0) -> Path:
    """Fetch `url` into `target`, resuming `target.part` when one is there. Returns `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        logger.warning("%s is larger than the expected %d bytes: starting again", part, size)
        part.unlink()
        have = 0
    if have < size:
        _fetch_rest(url, part, have, size, progress, timeout)
    elif progress:
        progress(size, size)
    got = part.stat().st_size
    if got != size:
        raise DownloadError(f"{url}: got {got} of {size} bytes; run the command again to resume")
    digest = sha256_of(part)
    if digest != sha256:
        part.unlink()
        raise DownloadError(
            f"{url}: checksum mismatch (expected sha256 {sha256}, got {digest}); the file was deleted. "
            "The server may have changed the file or the download was tampered with."
        )
    part.replace(target)
    return target


def _fetch_rest(url: str, part: Path, have: int, size: int, progress: Progress | None, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "safeface-fetch-models"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:
            # The server says our range starts at or past the end: the .part is as long as its file.
            return
        raise DownloadError(f"{url}: the server answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, socket.timeout, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise OfflineError(f"cannot reach {urllib.parse.urlsplit(url).netloc} ({reason})") from None
    with response:
        if have and response.status != 206:
            logger.info("%s ignores range requests: downloading from the start", url)
            have = 0
        with open(part, "ab" if have else "wb") as output:
            done = have
            try:
                while block := response.read(CHUNK):
                    done += len(block)
                    if done > size:
                        raise DownloadError(f"{url}: the server sent more than the expected {size} bytes")
                    output.write(block)
                    if progress:
                        progress(done, size)
            except (socket.timeout, ConnectionError, urllib.error.URLError) as error:
                raise DownloadError(f"{url}: connection lost after {done} bytes ({error}); "
                                    "run the command again to resume") from None


def unpack_onnx_members(archive: Path, folder: Path) -> list[str]:
    """Extract the `.onnx` members of a zip, flattened, into `folder` (replaced as a whole).

    Members are written under their base names only, so a crafted path cannot escape the folder.
    """
    folder = Path(folder)
    staging = folder.with_name(folder.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    names = []
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.infolist():
            name = Path(member.filename).name
            if member.is_dir() or not name.endswith(".onnx"):
                continue
            with bundle.open(member) as source, open(staging / name, "wb") as output:
                shutil.copyfileobj(source, output, CHUNK)
            names.append(name)
    if not names:
        shutil.rmtree(staging)
        raise DownloadError(f"{archive} holds no .onnx file")
    shutil.rmtree(folder, ignore_errors=True)
    staging.replace(folder)
    return sorted(names)
