"""The offline analyser (BlazeFace + FaceMesh) on insightface's bundled photos and their
rotated and scaled copies. Pure engine tests: no database."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from facekit.engines.analysis import OfflineAnalyser, decode_image, load_analyser, read_image
from facekit.engines.analysis.images import points_from_quarter_turns
from facekit.engines.types import Analyser, Face

PHOTOS = Path(next(iter(importlib.util.find_spec("insightface").submodule_search_locations))) / "data" / "images"
GROUP_SIZE = 6  # six people face the camera in t1.jpg


@pytest.fixture(scope="module")
def analyser() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture(scope="module")
def group() -> np.ndarray:
    return read_image(PHOTOS / "t1.jpg")


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return read_image(PHOTOS / "Tom_Hanks_54745.png")


def _centres(faces: list[Face]) -> np.ndarray:
    return np.array([[(face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2] for face in faces])


def test_it_is_an_analyser_with_a_versioned_name(analyser):
    assert isinstance(analyser, Analyser)
    assert analyser.name.startswith("blazeface-facemesh@")


def test_it_finds_everyone_in_the_group_photo(analyser, group):
    faces = analyser.detect(group)

    assert len(faces) == GROUP_SIZE
    assert all(face.score >= 0.45 for face in faces)


def test_it_finds_exactly_one_face_in_the_portrait(analyser, portrait):
    assert len(analyser.detect(portrait)) == 1


def test_it_orders_faces_left_to_right(analyser, group):
    centres = _centres(analyser.detect(group))[:, 0]
    assert list(centres) == sorted(centres)


def test_it_puts_keypoints_inside_their_box(analyser, group, portrait):
    for face in analyser.detect(group) + analyser.detect(portrait):
        assert face.keypoints.shape == (5, 2)
        x1, y1, x2, y2 = face.box
        assert np.all((face.keypoints[:, 0] >= x1) & (face.keypoints[:, 0] <= x2)), face
        assert np.all((face.keypoints[:, 1] >= y1) & (face.keypoints[:, 1] <= y2)), face


def test_it_orders_keypoints_as_insightface_does(analyser, group):
    for face in analyser.detect(group):
        right_eye, left_eye, nose, mouth_right, mouth_left = face.keypoints
        # Upright faces: the person's right eye and mouth corner are on the viewer's left, eyes above mouth.
        assert right_eye[0] < left_eye[0] and mouth_right[0] < mouth_left[0]
        assert max(right_eye[1], left_eye[1]) < min(mouth_right[1], mouth_left[1])


def test_it_gives_468_landmarks_on_the_face(analyser, group, portrait):
    for face in analyser.detect(group) + analyser.detect(portrait):
        assert face.landmarks.shape == (468, 3) and face.landmarks.dtype == np.float32
        x1, y1, x2, y2 = face.box
        margin = 0.25 * max(x2 - x1, y2 - y1)
        points = face.landmarks[:, :2]
        inside = ((points[:, 0] >= x1 - margin) & (points[:, 0] <= x2 + margin)
                  & (points[:, 1] >= y1 - margin) & (points[:, 1] <= y2 + margin))
        assert inside.mean() > 0.95, face.box


@pytest.mark.parametrize("turns", [1, 3], ids=["90", "-90"])
def test_it_finds_the_group_turned_on_its_side(analyser, group, turns):
    height, width = group.shape[:2]
    upright = _centres(analyser.detect(group))

    faces = analyser.detect(np.rot90(group, turns))

    assert len(faces) == GROUP_SIZE
    # Each face lies where the turn puts an upright face; map the turned centres back to compare.
    found = points_from_quarter_turns(_centres(faces), turns, height, width)
    for centre in upright:
        assert np.min(np.linalg.norm(found - centre, axis=1)) < 20


@pytest.mark.parametrize("turns", [1, 3], ids=["90", "-90"])
def test_it_finds_the_portrait_turned_on_its_side(analyser, portrait, turns):
    faces = analyser.detect(np.rot90(portrait, turns))

    assert len(faces) == 1
    assert abs(faces[0].extra["rotation"]) == 90


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_it_finds_the_group_scaled(analyser, group, factor):
    scaled = cv2.resize(group, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    assert len(analyser.detect(scaled)) == GROUP_SIZE


def test_it_finds_a_small_face_on_a_large_canvas(analyser, portrait):
    canvas = np.full((720, 1280, 3), 40, np.uint8)
    canvas[300:412, 600:712] = portrait

    faces = analyser.detect(canvas)

    assert len(faces) == 1
    x1, y1, x2, y2 = faces[0].box
    assert 600 <= (x1 + x2) / 2 <= 712 and 300 <= (y1 + y2) / 2 <= 412


def _table(group: np.ndarray) -> np.ndarray:
    """A busy 1280x720 background with no face in it: the table and chips of the group photo."""
    return cv2.resize(group[560:, :], (1280, 720), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("side", [80, 120, 160, 200])
def test_it_finds_a_small_face_anywhere_in_a_busy_wide_frame(analyser, group, portrait, side):
    # Scaled whole into the detectors' small inputs, such a face scores too low: tiles find it.
    for x_fraction, y_fraction in ((0.03, 0.05), (0.5, 0.5), (0.97, 0.95)):
        frame = _table(group)
        x, y = round(x_fraction * (1280 - side)), round(y_fraction * (720 - side))
        frame[y:y + side, x:x + side] = cv2.resize(portrait, (side, side), interpolation=cv2.INTER_AREA)

        faces = analyser.detect(frame)

        assert len(faces) == 1, (side, x, y, len(faces))
        x1, y1, x2, y2 = faces[0].box
        assert x <= (x1 + x2) / 2 <= x + side and y <= (y1 + y2) / 2 <= y + side


def test_the_quick_search_finds_a_large_face_but_searches_no_tiles_or_turned_copies(analyser, group, portrait):
    small = _table(group)
    small[300:400, 600:700] = cv2.resize(portrait, (100, 100), interpolation=cv2.INTER_AREA)
    large = _table(group)
    large[150:550, 400:800] = cv2.resize(portrait, (400, 400), interpolation=cv2.INTER_CUBIC)

    assert len(analyser.detect(small)) == 1  # found in a tile by the full search
    assert analyser.detect(small, quick=True) == []
    assert len(analyser.detect(large, quick=True)) == 1
    assert analyser.detect(np.ascontiguousarray(np.rot90(large)), quick=True) == []


def test_it_finds_no_face_in_the_busy_frame_alone(analyser, group):
    assert analyser.detect(_table(group)) == []


def test_it_finds_a_close_up_enlarged(analyser, portrait):
    assert len(analyser.detect(cv2.resize(portrait, (448, 448), interpolation=cv2.INTER_CUBIC))) == 1


def test_it_finds_sideways_and_upright_faces_together_when_always_turning(portrait):
    canvas = np.full((160, 320, 3), 40, np.uint8)
    canvas[24:136, 24:136] = portrait
    canvas[24:136, 184:296] = np.rot90(portrait, 1)

    faces = OfflineAnalyser(orientations="always").detect(canvas)

    assert [face.extra["rotation"] for face in faces] == [0, -90]


def test_it_finds_no_face_in_a_blank_image(analyser):
    assert analyser.detect(np.zeros((480, 640, 3), np.uint8)) == []
    assert analyser.detect(np.full((480, 640, 3), 255, np.uint8)) == []


def test_it_finds_no_face_in_noise(analyser):
    noise = np.random.default_rng(7).integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
    assert analyser.detect(noise) == []


def test_it_accepts_a_one_pixel_image(analyser):
    assert analyser.detect(np.zeros((1, 1, 3), np.uint8)) == []


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((0, 0, 3), np.uint8), "empty"),
        (np.zeros((10, 0, 3), np.uint8), "empty"),
        (np.zeros((64, 64, 3), np.float32), "uint8"),
        (np.zeros((64, 64), np.uint8), r"\(height, width, 3\)"),
        (np.zeros((64, 64, 4), np.uint8), r"\(height, width, 3\)"),
        ([[0, 0, 0]], "numpy array"),
    ],
    ids=["zero-size", "zero-width", "float", "grey", "rgba", "list"],
)
def test_it_rejects_what_is_not_an_rgb_uint8_image(analyser, image, message):
    with pytest.raises(ValueError, match=message):
        analyser.detect(image)


def test_it_refuses_corrupt_or_empty_image_files(tmp_path):
    with pytest.raises(ValueError, match="could not decode"):
        decode_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(ValueError, match="empty"):
        decode_image(b"")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((PHOTOS / "t1.jpg").read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.jpg"):
        read_image(truncated)


def test_it_is_what_the_factory_gives_without_production_weights(tmp_path):
    assert isinstance(load_analyser("offline"), OfflineAnalyser)
    assert isinstance(load_analyser("auto", models_dir=None), OfflineAnalyser)
    assert isinstance(load_analyser("auto", models_dir=tmp_path / "empty"), OfflineAnalyser)


def test_it_refuses_an_unknown_orientation_mode():
    with pytest.raises(ValueError, match="orientations"):
        OfflineAnalyser(orientations="sometimes")


def test_its_face_likeness_is_the_detectors_best_score_without_the_search(analyser, portrait):
    short = analyser._detectors["short"].detect(portrait)

    assert analyser.face_likeness(portrait) == pytest.approx(max(d.score for d in short), abs=1e-3)
    assert analyser.face_likeness(portrait) > 0.7
    assert analyser.face_likeness(np.full((192, 192, 3), 128, np.uint8)) < 0.5
    with pytest.raises(ValueError):
        analyser.face_likeness(portrait.astype(np.float32))
