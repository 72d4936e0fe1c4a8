"""Choosing target faces: all, the largest, or face numbers in the analyser's left-to-right order."""

from __future__ import annotations

import numpy as np
import pytest

from facekit.engines.swapping import parse_selection, select_faces
from facekit.engines.types import Face


def _face(x: float, side: float) -> Face:
    return Face(box=(x, 0.0, x + side, side), score=0.9, keypoints=np.zeros((5, 2), np.float32))


FACES = [_face(0, 40), _face(100, 90), _face(300, 60)]


def test_all_picks_every_face_in_order():
    assert select_faces(FACES, "all") == [0, 1, 2]


def test_largest_picks_the_face_with_the_biggest_box():
    assert select_faces(FACES, "largest") == [1]


def test_numbers_pick_those_faces_once_each_in_the_order_given():
    assert select_faces(FACES, [2, 0, 2]) == [2, 0]
    assert select_faces(FACES, (np.int64(1),)) == [1]


def test_no_faces_selects_nothing():
    assert select_faces([], "all") == []
    assert select_faces([], "largest") == []


def test_a_number_past_the_last_face_is_named():
    with pytest.raises(ValueError, match="face number 3 does not exist: the image has faces 0 to 2"):
        select_faces(FACES, [0, 3])
    with pytest.raises(ValueError, match="face number -1 does not exist"):
        select_faces(FACES, [-1])
    with pytest.raises(ValueError, match="has no faces"):
        select_faces([], [0])


def test_anything_but_whole_numbers_is_refused():
    for bad in ([1.0], ["1"], [True]):
        with pytest.raises(ValueError, match="is not an integer"):
            select_faces(FACES, bad)
    with pytest.raises(ValueError, match="unknown face selection 'biggest'"):
        select_faces(FACES, "biggest")


def test_command_line_text_is_parsed():
    assert parse_selection("all") == "all"
    assert parse_selection(" largest ") == "largest"
    assert parse_selection("0,2") == [0, 2]
    assert parse_selection("1") == [1]
    for bad in ("", "one", "0,x", ","):
        with pytest.raises(ValueError, match="faces must be"):
            parse_selection(bad)
