"""The live swap (facekit.engines.live) on camera-like frames: every frame it hands back is
swapped, held or blurred, never the camera's own; a face the judges still match gets the stronger
swap, then a blur; with nobody in the picture, the last swapped frame is held, then blurred."""

from __future__ import annotations

import numpy as np
import pytest

from facekit.engines.analysis import OfflineAnalyser
from facekit.engines.live import LiveState, LiveSwap, blurred
from facekit.engines.live.swap import BLUR_SECONDS, HOLD_SECONDS
from facekit.engines.recognition import load_judges
from facekit.engines.swapping import IdentityMeshSwapper, prepare_source
from samples.clips import clip_frames, source_image

from .swapping_helpers import Unchanged

FPS = 25


class AlsoUnchanged(Unchanged):
    name = "also-unchanged@0"  # a "stronger" swap that is no stronger


@pytest.fixture(scope="module")
def analyser() -> OfflineAnalyser:
    return OfflineAnalyser()


@pytest.fixture(scope="module")
def source(analyser):
    return prepare_source(analyser, source_image())


def test_every_frame_handed_back_is_swapped_held_or_blurred(analyser, source):
    frames = clip_frames(640, 480, 40, face_frames=range(0, 15))  # then the person walks away
    live = LiveSwap(source, IdentityMeshSwapper(), analyser, fps=FPS)
    shown = [live(frame, index / FPS) for index, frame in enumerate(frames)]

    assert all(out.swapped and len(out.faces) == 1 for out in shown[:15])
    # The tracker keeps a face a moment after it goes (a blink of the detector); then no face.
    gone = next(index for index, out in enumerate(shown) if not out.swapped)
    assert 15 <= gone <= 15 + FPS // 2 and not any(out.swapped for out in shown[gone:])
    held = [out for out in shown[gone:] if out.image is shown[gone - 1].image]
    assert 0 < len(held) <= round(HOLD_SECONDS * FPS) + 1 and all(out.state is LiveState.NO_FACE for out in shown[gone:])
    for frame, out in zip(frames, shown):
        assert not np.array_equal(out.image, frame)  # never the camera's frame
    # After the hold, the empty room is blurred: hardly any detail left.
    assert np.abs(np.diff(shown[-1].image.astype(np.int16), axis=1)).mean() < 0.25 * np.abs(np.diff(frames[-1].astype(np.int16), axis=1)).mean()


def test_a_face_the_judges_still_match_gets_the_stronger_swap_then_a_blur(analyser, source):
    judges = load_judges("auto")
    frames = clip_frames(640, 480, 30)
    live = LiveSwap(source, Unchanged(), analyser, fps=FPS, judges=judges, stronger=AlsoUnchanged(), check_every=0.1)
    states = []
    for index, frame in enumerate(frames):
        out = live(frame, index / FPS)
        live.wait_for_checks(30)  # in a session the judges run beside the frames; here, in step
        states.append(out.state)
        if out.state is LiveState.BLURRED:
            break
    assert states[0] is LiveState.STARTING
    assert LiveState.MAY_BE_RECOGNISED in states and states[-1] is LiveState.BLURRED
    assert live.swappers[live.level - 1].name == "also-unchanged@0"  # the stronger one was tried first
    blurred_frame, camera = out.image, frames[len(states) - 1]
    assert not out.swapped and not np.array_equal(blurred_frame, camera)
    # The blur lasts BLUR_SECONDS, then the stronger swap is tried again: swapped, and shown
    # blurred until the judges pass it.
    later = live(frames[-1], len(states) / FPS + BLUR_SECONDS + 0.1)
    assert "swap" in later.ms and not later.swapped and later.state is LiveState.MAY_BE_RECOGNISED
    live.close()


def test_a_swap_is_shown_once_the_judges_pass_it_and_blurred_before(analyser, source):
    judges = load_judges("auto")
    frames = clip_frames(640, 480, 10)
    live = LiveSwap(source, IdentityMeshSwapper.strong(), analyser, fps=FPS, judges=judges, check_every=0.1)
    first = live(frames[0], 0.0)
    assert not first.swapped and "blur" in first.ms and first.state is LiveState.STARTING
    live.wait_for_checks(30)
    assert live.state is LiveState.HIDDEN, "the judges still know the portrait under this swap"
    then = live(frames[1], 1 / FPS)
    assert then.swapped and then.state is LiveState.HIDDEN and "blur" not in then.ms
    live.close()


def test_a_blur_leaves_nothing_for_the_judges(analyser):
    frame = clip_frames(640, 480, 1)[0]
    faces = analyser.detect(frame)
    assert len(faces) == 1 and analyser.detect(blurred(frame)) == []
