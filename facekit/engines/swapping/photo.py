"""Swapping a photo: the engine-level entry point for photos, beside video.VideoSwap.

The faces are found and chosen here, swapped, and checked by the identity judges; faces
any judge still takes for the person are swapped again with the stronger swapper. The
worker and the shell command call this and store what it gives.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..recognition.check import check_photo
from ..recognition.result import IdentityCheck
from ..types import Analyser, Face, Recogniser, SourceFace, Swapper
from .errors import NoFaceError, SwapError
from ..selection import Selection, select_faces
from .sources import per_face_sources


@dataclass(frozen=True)
class PhotoReport:
    """What a photo swap did: the picture, how many faces the analyser found and which it
    swapped (indices, left to right), the identity check (each face saying whether it took
    the stronger swap; None without judges), and the wall-clock seconds of swapping and
    checking."""

    image: np.ndarray
    faces_found: int
    swapped: list[int]
    identity: IdentityCheck | None
    seconds: float


def swap_photo(
    image: np.ndarray, sources: SourceFace | Sequence[SourceFace], *, swapper: Swapper, analyser: Analyser,
    faces: Selection = "all", judges: Sequence[Recogniser] = (), stronger: Swapper | None = None,
) -> PhotoReport:
    """Swap `sources` (one for all, or one per chosen face) onto the faces of `image` that
    `faces` picks among the analyser's ("all", "largest" or numbers, left to right).

    With `judges`, the result is checked, faces any of them still takes for the person in the
    photo are swapped again with `stronger` (when given and not the same swapper), the others keep
    the first swap, and the final picture is checked again: more of the face is replaced only
    where needed. NoFaceError when the photo shows no face; SwapError when the chosen faces
    are not there (the message says which).
    """
    started = time.perf_counter()
    found = analyser.detect(image)
    if not found:
        raise NoFaceError("no face found in the target image")
    try:
        chosen = select_faces(found, faces)
    except ValueError as error:
        raise SwapError(f"The chosen faces were not found again in the photo ({error}). Pick the faces again.") from None
    targets = [found[index] for index in chosen]
    swap = _Swap(image, targets, per_face_sources(sources, targets), swapper)
    result = swap.run(range(len(targets)))
    check = None
    if judges:
        result, check = _checked(swap, result, judges, stronger)
    return PhotoReport(result, len(found), chosen, check, time.perf_counter() - started)


@dataclass(frozen=True)
class _Swap:
    """One photo's swap: each chosen face of `image` (`targets`) with its source, by `swapper`."""

    image: np.ndarray
    targets: list[Face]
    sources: list[SourceFace]
    swapper: Swapper

    def run(self, faces, onto: np.ndarray | None = None, swapper: Swapper | None = None) -> np.ndarray:
        """The faces numbered `faces` swapped onto `onto` (the photo) by `swapper` (this swap's)."""
        faces = list(faces)
        return (swapper or self.swapper).swap([self.sources[i] for i in faces], self.image if onto is None else onto,
                                              [self.targets[i] for i in faces])


def _checked(swap: _Swap, result: np.ndarray, judges, stronger: Swapper | None) -> tuple[np.ndarray, IdentityCheck]:
    check = check_photo(judges, swap.image, result, swap.targets, swap.sources)
    again = check.still_recognised()
    if not again or stronger is None or stronger.name == swap.swapper.name:
        return result, check
    kept = [index for index in range(len(swap.targets)) if index not in again]
    base = swap.run(kept) if kept else swap.image
    result = swap.run(again, onto=base, swapper=stronger)
    spent = check.ms
    check = check_photo(judges, swap.image, result, swap.targets, swap.sources)
    faces = [replace(face, strong=index in again) for index, face in enumerate(check.faces)]
    return result, replace(check, faces=tuple(faces), ms=check.ms + spent)
