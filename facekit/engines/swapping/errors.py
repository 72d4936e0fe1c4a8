"""Errors a swapper raises, each with a message a person can act on."""

from __future__ import annotations

from ..errors import EngineError


class SwapError(EngineError):
    """A swap cannot be done as asked (no usable face, missing model data, bad input)."""


class NoFaceError(SwapError):
    """An image that must show a face shows none."""
