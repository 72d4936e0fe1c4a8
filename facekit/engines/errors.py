"""The errors every engine raises, in one place.

`EngineError` is the one base: its message is written for the person who asked, so the
worker shows it as it is. `Cancelled` is not an error: the caller asked to stop.
"""

from __future__ import annotations


class EngineError(Exception):
    """The work cannot be done as asked; the message says what to do about it."""


class WeightsMissing(EngineError):
    """A backend's weights are not on this machine (they are never downloaded at run time)."""


class Cancelled(Exception):
    """The caller's cancel signal turned true; nothing was written."""
