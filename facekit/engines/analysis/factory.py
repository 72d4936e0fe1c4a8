"""Choosing and building an analyser by name."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from ..active import ANALYSER_NAMES, analyser_kind
from ..types import Analyser
from .insightface_backend import FETCH_HINT, InsightFaceAnalyser, pack_dir
from .offline import OfflineAnalyser

logger = logging.getLogger(__name__)


def load_analyser(
    name: str = "auto",
    models_dir: Path | None = None,
    providers: Sequence[str] | None = None,
    num_threads: int = 1,
    policy: str = "any",
) -> Analyser:
    """Build an analyser; do it once per process and keep it.

    `"auto"` picks insightface's buffalo_l when its files are in `models_dir`, else the
    offline BlazeFace/FaceMesh analyser whose weights ship in a pip package.
    `"insightface"` insists on buffalo_l and raises FileNotFoundError when it is missing.
    `policy`: the licence policy (licences.POLICIES) "auto" keeps to and a name must pass.
    """
    if name not in ANALYSER_NAMES:
        raise ValueError(f"unknown analyser {name!r}; choose one of {', '.join(ANALYSER_NAMES)}")
    models_dir = Path(models_dir) if models_dir is not None else None
    if analyser_kind(name, models_dir, policy) == "insightface":
        if models_dir is None:
            raise FileNotFoundError(f"the insightface analyser needs a models folder; {FETCH_HINT}")
        if not models_dir.is_dir():
            raise FileNotFoundError(f"models folder {models_dir} does not exist; {FETCH_HINT}")
        return InsightFaceAnalyser(models_dir, providers=providers)
    if name == "auto":
        where = pack_dir(models_dir) if models_dir is not None else "no models folder given"
        logger.info("buffalo_l not found (%s): using the offline analyser", where)
    return OfflineAnalyser(num_threads=num_threads)
