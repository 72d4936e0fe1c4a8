"""Errors a generator raises, each with a message a person can act on."""

from __future__ import annotations

from ..errors import EngineError


class GenerationFailed(EngineError):
    """No acceptable face came out within the allowed number of tries."""
