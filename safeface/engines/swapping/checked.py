"""A photo swap with its identity check, made stronger where the check still knows the person.

This is the engine-level entry point for photos: the worker calls it and stores what it gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..recognition.check import check_photo, still_recognised
from ..types import Face, Recogniser, SourceFace, Swapper


@dataclass(frozen=True)
class PhotoSwap:
    """The swapped picture and its identity check (recognition.check.check_photo), each face's
    entry saying whether it took the stronger swap."""

    image: np.ndarray
    identity: dict


def swap_photo(swapper: Swapper, judge: Recogniser, image: np.ndarray, faces: Sequence[Face],
               sources: Sequence[SourceFace], *, stronger: Swapper | None = None) -> PhotoSwap:
    """Swap `sources[i]` onto `faces[i]` of `image` and check the result with `judge`.

    Faces the judge still takes for the person in the photo are swapped again with
    `stronger` (when given and not the same swapper), the others keep the first swap, and
    the final picture is checked again: more of the face is replaced only where needed.
    """
    faces, sources = list(faces), list(sources)
    result = swapper.swap(sources, image, faces)
    check = check_photo(judge, image, result, faces, sources)
    again = still_recognised(check)
    escalate = bool(again) and stronger is not None and stronger.name != swapper.name
    if escalate:
        kept = [index for index in range(len(faces)) if index not in again]
        base = swapper.swap([sources[i] for i in kept], image, [faces[i] for i in kept]) if kept else image
        result = stronger.swap([sources[i] for i in again], base, [faces[i] for i in again])
        spent = check["ms"]
        check = check_photo(judge, image, result, faces, sources)
        check["ms"] = round(check["ms"] + spent, 1)
    for index, entry in enumerate(check["faces"]):
        entry["strong"] = escalate and index in again
    return PhotoSwap(result, check)
