"""Following faces through frames: smoothing, steady ids, brief misses held, turned heads
followed. Frames are built from insightface's bundled photos. Pure engine tests: no database."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facekit.engines.analysis import OfflineAnalyser
from facekit.engines.types import Face
from facekit.engines.video.tracking import HOLD_SECONDS, FaceTracker, OneEuro
from samples.clips import background, clip_frames, portrait

WIDTH, HEIGHT, FPS = 320, 240, 25


class CountingAnalyser:
    """The offline analyser, counting how often it is asked to search a frame, and how."""

    def __init__(self, analyser):
        self.analyser, self.name, self.searches = analyser, analyser.name, []

    @property
    def calls(self) -> int:
        return len(self.searches)

    def detect(self, image, *, quick=False):
        self.searches.append("quick" if quick else "full")
        return self.analyser.detect(image, quick=quick)


@pytest.fixture(scope="module")
def offline() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture
def analyser(offline) -> CountingAnalyser:
    return CountingAnalyser(offline)


def face_frame(angle: float = 0.0, side: int = 130, present: bool = True) -> np.ndarray:
    """The portrait in the middle of the background, turned `angle` degrees counter-clockwise."""
    image = background(WIDTH, HEIGHT)
    if not present:
        return image
    face = cv2.resize(portrait(), (side, side), interpolation=cv2.INTER_CUBIC)
    left, top = (WIDTH - side) // 2, (HEIGHT - side) // 2
    pasted = image.copy()
    pasted[top:top + side, left:left + side] = face
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    mask[top:top + side, left:left + side] = 255
    turn = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle, 1.0)
    pasted = cv2.warpAffine(pasted, turn, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(mask, turn, (WIDTH, HEIGHT), flags=cv2.INTER_NEAREST) > 0
    image[mask] = pasted[mask]
    return image


def eye_line_angle(face) -> float:
    """The face's roll in degrees counter-clockwise as seen on screen (y points down)."""
    right_eye, left_eye = face.keypoints[0], face.keypoints[1]
    return float(np.degrees(np.arctan2(-(left_eye[1] - right_eye[1]), left_eye[0] - right_eye[0])))


def test_one_euro_calms_a_still_face_and_keeps_up_with_a_moving_one():
    rng = np.random.default_rng(0)
    shape = rng.uniform(0, 100, (468, 3))
    still, moving = OneEuro(), OneEuro()
    still_out, moving_out = [], []
    for frame in range(60):
        time = frame / 30
        still_out.append(still(shape + rng.normal(0, 1.0, shape.shape), time))
        # Half a face size per second to the right, with the same jitter.
        moving_out.append(moving(shape + [frame * 50 / 30, 0, 0] + rng.normal(0, 1.0, shape.shape), time))

    jitter = np.std(np.array(still_out[20:])[:, :, :2], axis=0).mean()
    assert jitter < 0.35  # the input jitters by 1.0
    lag = np.abs(moving_out[-1][:, 0] - (shape[:, 0] + 59 * 50 / 30)).mean()
    assert lag < 3.0  # pixels behind a face 100 px wide moving 50 px a second


def test_it_follows_a_moving_face_under_one_id_searching_only_now_and_then(analyser):
    frames = clip_frames(WIDTH, HEIGHT, 30)
    tracker = FaceTracker(analyser, detect_every=5)

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    assert all(list(frame.faces) == [0] for frame in seen)
    assert analyser.calls == 6  # frames 0, 5, 10, ... 25
    for index in (0, 15, 29):
        face = seen[index].faces[0]
        assert face.landmarks.shape == (468, 3) and face.extra["track"] == 0


def test_searching_every_frame_gives_the_same_people(analyser):
    frames = clip_frames(WIDTH, HEIGHT, 10)
    tracker = FaceTracker(analyser, detect_every=1)

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    assert all(list(frame.faces) == [0] for frame in seen)
    assert analyser.calls == 10


def test_while_nobody_is_followed_it_searches_quickly_between_full_searches(analyser):
    tracker = FaceTracker(analyser, detect_every=5)
    frames = [face_frame(present=False)] * 12 + [face_frame(side=150)] * 6

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    # Full searches on schedule (frames 0, 5, 10, 15), quick ones on the empty frames
    # between, none once the face that entered at frame 12 is followed.
    assert analyser.searches == ["full"] + ["quick"] * 4 + ["full"] + ["quick"] * 4 + ["full", "quick", "quick", "full"]
    assert [bool(frame.faces) for frame in seen] == [False] * 12 + [True] * 6  # swapped from its first frame


class FullSearchOnly:
    """An analyser without a quick search (as insightface's): it is asked for full ones."""

    def __init__(self, analyser):
        self.analyser, self.name, self.calls = analyser, analyser.name, 0

    def detect(self, image):
        self.calls += 1
        return self.analyser.detect(image)


def test_an_analyser_without_a_quick_search_searches_every_empty_frame_fully(offline):
    analyser = FullSearchOnly(offline)
    tracker = FaceTracker(analyser, detect_every=5)
    frames = [face_frame(present=False)] * 7 + [face_frame()] * 3

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    assert analyser.calls == 8  # frames 0-7, then the face is followed
    assert list(seen[7].faces) == [0]


def test_a_face_lost_for_two_frames_stays_swapped_where_it_was(analyser):
    tracker = FaceTracker(analyser, detect_every=5)
    present, hidden = face_frame(), face_frame(present=False)
    frames = [present] * 5 + [hidden] * 2 + [present] * 3

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    assert all(list(frame.faces) == [0] for frame in seen)
    assert [frame.faces[0].extra["held"] for frame in seen] == [False] * 5 + [True] * 2 + [False] * 3
    np.testing.assert_allclose(seen[6].faces[0].landmarks, seen[4].faces[0].landmarks)


def test_a_face_gone_for_long_is_dropped_and_keeps_its_id_when_it_returns(analyser):
    tracker = FaceTracker(analyser, detect_every=5)
    gone = int(HOLD_SECONDS * FPS) + 3
    frames = [face_frame()] * 3 + [face_frame(present=False)] * gone + [face_frame()] * 2

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    assert not seen[3 + gone - 1].faces
    assert list(seen[-1].faces) == [0]


@pytest.mark.parametrize("direction", [1, -1], ids=["counter-clockwise", "clockwise"])
def test_it_follows_a_head_tilting_all_the_way_to_sideways(analyser, direction):
    tracker = FaceTracker(analyser, detect_every=8)
    angles = [direction * step * 4.5 for step in range(21)]  # 0 to 90 degrees

    seen = [tracker.update(face_frame(angle), index / FPS) for index, angle in enumerate(angles)]

    for angle, frame in zip(angles, seen):
        assert list(frame.faces) == [0], f"lost at {angle} degrees"
        assert eye_line_angle(frame.faces[0]) == pytest.approx(angle, abs=12), f"at {angle} degrees"


def test_the_search_at_a_chosen_frame_tells_which_track_each_face_is(analyser):
    frames = clip_frames(WIDTH, HEIGHT, 8)
    tracker = FaceTracker(analyser, detect_every=100)

    seen = [tracker.update(frame, index / FPS, search=index == 6) for index, frame in enumerate(frames)]

    assert seen[5].detected is None
    assert len(seen[6].detected) == 1 and seen[6].detected_tracks == [0]


class KeypointsOnlyAnalyser:
    """Gives boxes and 5 keypoints but no dense landmarks, as insightface's analyser does."""

    name = "keypoints-only@0"

    def __init__(self, analyser):
        self.analyser = analyser

    def detect(self, image):
        return [Face(box=face.box, score=face.score, keypoints=face.keypoints) for face in self.analyser.detect(image)]


@pytest.mark.parametrize("detect_every", [1, 5])
def test_faces_without_facemesh_landmarks_are_meshed_and_followed(offline, detect_every):
    frames = clip_frames(WIDTH, HEIGHT, 12)
    tracker = FaceTracker(KeypointsOnlyAnalyser(offline), detect_every=detect_every)

    seen = [tracker.update(frame, index / FPS) for index, frame in enumerate(frames)]

    assert all(list(frame.faces) == [0] for frame in seen)
    reference = offline.detect(frames[11])[0]
    followed = seen[11].faces[0]
    assert followed.landmarks.shape == (468, 3)
    # The same mesh the offline analyser finds, give or take the smoothing's lag.
    assert np.abs(followed.keypoints - reference.keypoints).max() < 6
