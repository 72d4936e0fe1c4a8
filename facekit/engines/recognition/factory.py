"""Choosing the identity judges."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from ..active import RECOGNISER_NAMES, recogniser_kinds
from ..types import Recogniser, Swapper

logger = logging.getLogger(__name__)


def load_recogniser(name: str, models_dir: Path | None = None, *,
                    providers: Sequence[str] | None = None) -> Recogniser:
    """Build one recogniser ("dlib", "sface" or "arcface"); do it once per process and keep it.

    "dlib" and "sface" have their weights in pip packages; "arcface" needs buffalo_l in
    `models_dir` (FileNotFoundError naming the file otherwise).
    """
    if name not in RECOGNISER_NAMES or name == "auto":
        raise ValueError(f"unknown recogniser {name!r}; choose one of dlib, sface, arcface")
    if name == "arcface":
        from .arcface import ArcFaceRecogniser

        if models_dir is None:
            raise FileNotFoundError("the arcface recogniser needs a models folder with buffalo_l")
        return ArcFaceRecogniser(Path(models_dir), providers=providers)
    if name == "sface":
        from .sface import SFaceRecogniser

        return SFaceRecogniser(providers=list(providers) if providers else None)
    from .dlib_resnet import DlibRecogniser

    return DlibRecogniser()


def load_judges(setting: str = "auto", models_dir: Path | None = None, *, swapper: Swapper | None = None,
                providers: Sequence[str] | None = None) -> tuple[Recogniser, ...]:
    """The judges a recogniser setting names ("auto": dlib and SFace), none the swapper is driven
    by: a swapper that moves ArcFace embeddings would pass an ArcFace judge whatever a person
    sees, so dlib's judge stands in for it."""
    judges: list[Recogniser] = []
    for kind in recogniser_kinds(setting):
        judge = load_recogniser(kind, models_dir, providers=providers)
        if swapper is not None and getattr(swapper, "driven_by", None) == judge.family:
            logger.warning("%s is driven by %s embeddings: judging it with dlib instead", swapper.name, judge.family)
            judge = load_recogniser("dlib")
        if all(judge.family != other.family for other in judges):
            judges.append(judge)
    return tuple(judges)
