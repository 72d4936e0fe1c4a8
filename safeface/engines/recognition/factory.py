"""Choosing the identity judge."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from ..active import RECOGNISER_NAMES, recogniser_kind
from ..types import Recogniser, Swapper

logger = logging.getLogger(__name__)



def load_recogniser(name: str = "auto", models_dir: Path | None = None, *,
                    providers: Sequence[str] | None = None) -> Recogniser:
    """Build a recogniser; do it once per process and keep it.

    `"auto"` is dlib's ResNet: its weights ship in a pip package and no swapper here is
    driven by it, so it can judge every one of them. `"arcface"` needs buffalo_l in
    `models_dir` (FileNotFoundError naming the file otherwise).
    """
    if name not in RECOGNISER_NAMES:
        raise ValueError(f"unknown recogniser {name!r}; choose one of {', '.join(RECOGNISER_NAMES)}")
    if recogniser_kind(name) == "arcface":
        from .arcface import ArcFaceRecogniser

        if models_dir is None:
            raise FileNotFoundError("the arcface recogniser needs a models folder with buffalo_l")
        return ArcFaceRecogniser(Path(models_dir), providers=providers)
    from .dlib_resnet import DlibRecogniser

    return DlibRecogniser()


def judge_for(recogniser: Recogniser, swapper: Swapper) -> Recogniser:
    """`recogniser`, unless the swapper is driven by the same identity model: a swapper that
    moves ArcFace embeddings would pass an ArcFace judge whatever a person sees. Then the
    independent dlib judge is used instead."""
    if getattr(swapper, "driven_by", None) == recogniser.family:
        from .dlib_resnet import DlibRecogniser

        logger.warning("%s is driven by %s embeddings: judging it with dlib instead", swapper.name, recogniser.family)
        return DlibRecogniser()
    return recogniser
