"""Which target faces a swap changes: all, the largest, or chosen indices. Torch-free: the
swap form applies the same rule to the faces stored with an upload."""

from __future__ import annotations

import operator
from typing import Sequence, Union

from .types import Face

Selection = Union[str, Sequence[int]]


def select_faces(faces: Sequence[Face], selection: Selection) -> list[int]:
    """Indices into `faces` (the analyser's left-to-right order) that `selection` picks.

    `"all"` picks every face, `"largest"` the one with the largest box (none when there
    are no faces), a sequence of ints those indices in the order given, each once.
    A bad index or an unknown word raises ValueError naming it.
    """
    return select_by_area([face.area for face in faces], selection)


def select_by_area(areas: Sequence[float], selection: Selection) -> list[int]:
    """select_faces on the faces' areas alone (the faces an upload's analysis stored)."""
    if isinstance(selection, str):
        if selection == "all":
            return list(range(len(areas)))
        if selection == "largest":
            if not areas:
                return []
            return [max(range(len(areas)), key=lambda index: areas[index])]
        raise ValueError(f"unknown face selection {selection!r}; use 'all', 'largest' or face numbers")
    chosen: list[int] = []
    for index in selection:
        if isinstance(index, bool):
            raise ValueError(f"face number {index!r} is not an integer")
        try:
            index = operator.index(index)  # ints and numpy integers, not floats or strings
        except TypeError:
            raise ValueError(f"face number {index!r} is not an integer") from None
        if not 0 <= index < len(areas):
            found = f"faces 0 to {len(areas) - 1}" if areas else "no faces"
            raise ValueError(f"face number {index} does not exist: the image has {found}")
        if index not in chosen:
            chosen.append(index)
    return chosen


def parse_selection(text: str) -> Selection:
    """`"all"`, `"largest"` or comma-separated face numbers such as `"0,2"`, as typed on a command line."""
    text = text.strip()
    if text in ("all", "largest"):
        return text
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        numbers = []
    if not numbers:
        raise ValueError(f"faces must be 'all', 'largest' or numbers like 0,2, not {text!r}")
    return numbers
