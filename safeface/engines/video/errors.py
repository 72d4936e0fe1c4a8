"""Errors the video engine raises, each with a message a person can act on."""

from __future__ import annotations


class VideoError(ValueError):
    """A video cannot be read, checked or written as asked (wrong kind of file, damaged, no face)."""


class VideoCancelled(Exception):
    """The caller asked a running video job to stop; nothing was written."""
