"""Choosing and building a swapper by name."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from ..active import SWAPPER_NAMES, swapper_kind
from ..production_weights import INSWAPPER
from ..types import Swapper
from .inswapper import InSwapper
from .mesh import IdentityMeshSwapper

logger = logging.getLogger(__name__)



def inswapper_path(models_dir: Path) -> Path:
    """Where `fetch_models` puts inswapper_128.onnx inside the models folder."""
    return Path(models_dir) / INSWAPPER.target


def load_swapper(name: str = "auto", models_dir: Path | None = None, *,
                 providers: Sequence[str] | None = None, strong: bool = False, policy: str = "any") -> Swapper:
    """Build a swapper; do it once per process and keep it.

    `"auto"` picks inswapper when `insightface/inswapper_128.onnx` is in `models_dir`, else
    the offline mesh swapper (mesh@2.1). `"inswapper"` insists
    and raises FileNotFoundError naming the missing file and the command that fetches it.
    `strong` asks for the stronger mesh@2.1 (IdentityMeshSwapper.strong); the others have no
    stronger setting and come as they are. `policy`: the licence policy (licences.POLICIES)
    "auto" keeps to and a name must pass.
    """
    if name not in SWAPPER_NAMES:
        raise ValueError(f"unknown swapper {name!r}; choose one of {', '.join(SWAPPER_NAMES)}")
    path = inswapper_path(models_dir) if models_dir is not None else None
    if swapper_kind(name, models_dir, policy) == "inswapper":
        if path is None:
            raise FileNotFoundError("the inswapper swapper needs a models folder; "
                                    "run `python manage.py fetch_models --only inswapper` to fill one")
        return InSwapper(path, providers=providers)
    if name == "auto":
        logger.info("inswapper not found (%s): using the mesh swapper", path or "no models folder given")
    return IdentityMeshSwapper.strong() if strong else IdentityMeshSwapper()
