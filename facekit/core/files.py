"""Stored files every app makes the same way: a thumbnail, and files saved all or none."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image


def encode_thumbnail(rgb) -> bytes:
    """A WebP of at most SAFEFACE_THUMBNAIL_SIZE a side, proportions kept."""
    image = Image.fromarray(rgb)
    image.thumbnail((settings.SAFEFACE_THUMBNAIL_SIZE, settings.SAFEFACE_THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def save_all(storage, *files: tuple[str, object]) -> list[str]:
    """Store files (name, bytes or local Path or File), all or none; returns their stored names.
    When one cannot be written, those already stored are removed."""
    names: list[str] = []
    try:
        for name, content in files:
            names.append(storage.save(name, _content(content)))
    except BaseException:
        for name in names:
            storage.delete(name)
        raise
    return names


def _content(value):
    if isinstance(value, bytes):
        return ContentFile(value)
    if isinstance(value, Path):
        return File(value.open("rb"))
    return value
