"""Choosing the screener."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..active import SCREENER_NAMES
from ..types import Screener


def load_screener(name: str = "auto", *, model: Path | str | None = None,
                  providers: Sequence[str] | None = None) -> Screener | None:
    """Build a screener; do it once per process and keep it. `"auto"` and `"nudenet"` are
    NudeNet's detector (its weights ship in its wheel; `model`: another ONNX file with its
    inputs and outputs); `"off"` screens nothing (None) and must be chosen explicitly."""
    if name not in SCREENER_NAMES:
        raise ValueError(f"unknown screener {name!r}; choose one of {', '.join(SCREENER_NAMES)}")
    if name == "off":
        return None
    from .nudenet_backend import NudeNetScreener

    return NudeNetScreener(model, providers=providers)
