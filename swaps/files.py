"""Files of swaps: stored uploads, face-picker previews, results and thumbnails."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

PREVIEW_SIDE = 1280
# What a stored upload or result is, by its extension (uploads are stored under ours).
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "mp4": "video/mp4", "webm": "video/webm", "mkv": "video/x-matroska"}


def decode_rgb(data: bytes) -> np.ndarray:
    """Our own stored photo (already checked and re-encoded) as an RGB array."""
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
        return np.asarray(image.convert("RGB"))


def encode_preview(rgb: np.ndarray) -> tuple[bytes, float]:
    """A JPEG of at most PREVIEW_SIDE a side for the face picker, and the scale applied."""
    image = Image.fromarray(rgb)
    scale = min(1.0, PREVIEW_SIDE / max(image.size))
    if scale < 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), scale


@contextlib.contextmanager
def local_path(field):
    """A local path of a stored file: the file itself on local storage, else a
    temporary copy (S3-compatible media), removed afterwards."""
    try:
        path = Path(field.storage.path(field.name))
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    suffix = Path(field.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        with field.storage.open(field.name, "rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


WORK_PREFIX = "swap-"


@contextlib.contextmanager
def work_folder():
    """A private temporary folder for a task's intermediate files, removed when the task
    ends (a worker killed mid-task leaves it to `remove_stale_work_folders`)."""
    folder = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=settings.FILE_UPLOAD_TEMP_DIR))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_work_folders(older_than: float) -> int:
    """Remove work folders untouched for `older_than` seconds: no task runs that long
    (django-q2's timeout), so they belong to workers that were killed."""
    deadline = time.time() - older_than
    stale = [f for f in Path(settings.FILE_UPLOAD_TEMP_DIR).glob(f"{WORK_PREFIX}*") if f.is_dir() and f.stat().st_mtime < deadline]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)
