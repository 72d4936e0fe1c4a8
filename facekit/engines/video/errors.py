"""Errors the video engine raises, each with a message a person can act on."""

from __future__ import annotations

from ..errors import EngineError


class VideoError(EngineError):
    """A video cannot be read, checked or written as asked (wrong kind of file, damaged, no face)."""
