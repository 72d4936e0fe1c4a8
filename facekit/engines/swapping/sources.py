"""Source faces for a swap: preparing an avatar, and pairing sources with target faces."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..analysis.images import check_rgb_image
from ..types import Analyser, Face, SourceFace
from .errors import NoFaceError, SwapError


def prepare_source(analyser: Analyser, image: np.ndarray) -> SourceFace:
    """The largest face of an avatar image as a swap source; NoFaceError when it shows none."""
    image = check_rgb_image(image)
    faces = analyser.detect(image)
    if not faces:
        raise NoFaceError("no face found in the source image")
    return SourceFace(image=image, face=max(faces, key=lambda face: face.area))


def per_face_sources(sources: SourceFace | Sequence[SourceFace], target_faces: Sequence[Face]) -> list[SourceFace]:
    """One source per target face: the single source repeated, or the sequence as given."""
    if isinstance(sources, SourceFace):
        return [sources] * len(target_faces)
    sources = list(sources)
    if len(sources) == 1:
        return sources * len(target_faces)
    if len(sources) != len(target_faces):
        raise SwapError(f"{len(sources)} source faces for {len(target_faces)} target faces: "
                        "give one source for all, or one per target face")
    if not all(isinstance(source, SourceFace) for source in sources):
        raise SwapError("sources must be SourceFace objects (an avatar image and its analysed face)")
    return sources
