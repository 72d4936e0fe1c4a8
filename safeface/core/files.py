"""Stored files every app makes the same way: a thumbnail, and two files saved together."""

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


def save_both(storage, first: tuple[str, object], second: tuple[str, object]) -> tuple[str, str]:
    """Store two files (name, bytes or local Path or File), both or neither; returns their
    stored names. When the second cannot be written, the first is removed."""
    first_name = storage.save(first[0], _content(first[1]))
    try:
        second_name = storage.save(second[0], _content(second[1]))
    except BaseException:
        storage.delete(first_name)
        raise
    return first_name, second_name


def _content(value):
    if isinstance(value, bytes):
        return ContentFile(value)
    if isinstance(value, Path):
        return File(value.open("rb"))
    return value
