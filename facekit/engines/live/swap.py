"""A live swap: each camera frame in, a frame that may be shown out, never the camera's own.

The video pipeline's tracker follows the face (a whole-frame search five times a second,
FaceMesh in between) and the swapper paints the avatar on; what cannot be swapped fails
closed: with no face followed, the last swapped frame is held for a moment, then the whole
picture is blurred. The identity judges look at a swapped frame at least every `check_every`
seconds, on a thread of their own so a frame never waits for them; a face any judge still
matches gets the stronger swap, and if it still matches, is blurred for a while. A swap the
judges have not yet passed (the first one, and each after a change) is shown with the faces
blurred until they do: the first half second of a session, and of a stronger swap, is a blur.
"""

from __future__ import annotations

import enum
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

from ..recognition.check import check_photo
from ..types import Analyser, Face, Recogniser, SourceFace, Swapper
from ..video.tracking import FaceTracker

# The analyser searches the whole frame this often (seconds); FaceMesh follows in between.
DETECT_SECONDS = 0.2
# With no face followed, the last swapped frame is shown this long, then the blurred picture.
HOLD_SECONDS = 0.5
# A face still recognised with the stronger swap stays blurred this long before another try.
BLUR_SECONDS = 5.0
# The judges look at least this often (seconds): "every person judged twice a second".
CHECK_SECONDS = 0.5


class LiveState(enum.StrEnum):
    STARTING = "starting"  # swapping, not judged yet
    HIDDEN = "hidden"  # the last check: no judge matches any face to the camera's
    MAY_BE_RECOGNISED = "may be recognised"  # a judge still matched: the stronger swap is on
    BLURRED = "blurred"  # still matched with the stronger swap: the faces are blurred
    NO_FACE = "no face"  # nobody followed: the picture is held, then blurred


@dataclass(frozen=True)
class LiveFrame:
    """What may be shown for one camera frame, and how it was made."""

    image: np.ndarray
    state: LiveState
    faces: tuple[Face, ...]  # the faces followed on the camera's frame (a recording's identity check reads them)
    swapped: bool
    ms: dict[str, float] = field(default_factory=dict)  # track, swap, blur: this frame's costs


def blurred(image: np.ndarray, boxes: Sequence[tuple[int, int, int, int]] | None = None) -> np.ndarray:
    """The picture (or only `boxes` in it) blurred past recognition: shrunk to a few dozen
    pixels across and smoothed back up, which costs a couple of milliseconds at 640x480."""
    out = image.copy()
    regions = boxes if boxes is not None else [(0, 0, image.shape[1], image.shape[0])]
    for x0, y0, x1, y1 in regions:
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(image.shape[1], x1), min(image.shape[0], y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        patch = out[y0:y1, x0:x1]
        small = cv2.resize(patch, (max(2, (x1 - x0) // 24), max(2, (y1 - y0) // 24)), interpolation=cv2.INTER_AREA)
        out[y0:y1, x0:x1] = cv2.GaussianBlur(cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR), (0, 0), 3)
    return out


def _face_box(face: Face, shape, grow: float = 1.7) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = face.box
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * grow / 2
    return int(cx - half), int(cy - half * 1.15), int(cx + half), int(cy + half)


class LiveSwap:
    """One person's live swap: call it with each camera frame (RGB) and its time in seconds.

    `swapper` is the first swap, `stronger` the one a still-recognised face gets (None: blur
    at once); `judges` are the identity judges (none: no live check, the state stays
    "starting"). Not thread-safe: one caller feeds the frames in order.
    """

    def __init__(self, source: SourceFace, swapper: Swapper, analyser: Analyser, *, fps: float = 30.0,
                 judges: Sequence[Recogniser] = (), stronger: Swapper | None = None, check_every: float = CHECK_SECONDS):
        self.source, self.judges = source, tuple(judges)
        self.swappers = [swapper] + ([stronger] if stronger is not None and stronger.name != swapper.name else [])
        self.tracker = FaceTracker(analyser, detect_every=max(1, round(fps * DETECT_SECONDS)))
        self.check_every = check_every
        self.level = 0  # index into self.swappers; len(self.swappers) means blurred
        self.passed: set[int] = set()  # levels whose last check found no face recognised
        self.state = LiveState.STARTING
        self.checks = 0
        self._memory: dict = {}
        self._last_shown: tuple[float, np.ndarray] | None = None
        self._last_check = -1e9
        self._blurred_until = 0.0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="live-check") if self.judges else None
        self._check: Future | None = None
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray, seconds: float) -> LiveFrame:
        started = time.perf_counter()
        seen = self.tracker.update(image, seconds, search=self._last_shown is None)
        faces = list(seen.faces.values())
        tracked = time.perf_counter()
        ms = {"track": 1000 * (tracked - started)}
        if not faces:
            return self._no_face(image, seconds, ms)
        with self._lock:
            if self.level >= len(self.swappers) and seconds >= self._blurred_until:
                self.level = len(self.swappers) - 1  # try the stronger swap again
                self.state = LiveState.MAY_BE_RECOGNISED
            level, state = self.level, self.state
        if level >= len(self.swappers):
            shown = blurred(image, [_face_box(face, image.shape) for face in faces])
            ms["blur"] = 1000 * (time.perf_counter() - tracked)
            return self._shown(LiveFrame(shown, LiveState.BLURRED, tuple(faces), False, ms), seconds)
        result = self.swappers[level].swap([self.source] * len(faces), image, faces, memory=self._memory)
        swapped = time.perf_counter()
        ms["swap"] = 1000 * (swapped - tracked)
        self._maybe_check(image, result, faces, seconds, level)
        if self.judges and level not in self.passed:
            # Not passed by the judges yet: the faces stay blurred until a check passes this swap.
            shown = blurred(result, [_face_box(face, image.shape) for face in faces])
            ms["blur"] = 1000 * (time.perf_counter() - swapped)
            return self._shown(LiveFrame(shown, state, tuple(faces), False, ms), seconds)
        return self._shown(LiveFrame(result, state, tuple(faces), True, ms), seconds)

    def _no_face(self, image: np.ndarray, seconds: float, ms: dict) -> LiveFrame:
        if self._last_shown is not None and seconds - self._last_shown[0] <= HOLD_SECONDS:
            return LiveFrame(self._last_shown[1], LiveState.NO_FACE, (), False, ms)
        started = time.perf_counter()
        shown = blurred(image)
        ms["blur"] = 1000 * (time.perf_counter() - started)
        return LiveFrame(shown, LiveState.NO_FACE, (), False, ms)

    def _shown(self, frame: LiveFrame, seconds: float) -> LiveFrame:
        self._last_shown = (seconds, frame.image)
        return frame

    def _maybe_check(self, original, result, faces, seconds: float, level: int) -> None:
        if self._pool is None or seconds - self._last_check < self.check_every:
            return
        if self._check is not None and not self._check.done():
            return  # the judges are still on the last one: they take this frame's turn later
        self._last_check = seconds
        self._check = self._pool.submit(self._judge, original, result, faces, seconds, level)

    def _judge(self, original, result, faces, seconds: float, level: int) -> None:
        check = check_photo(self.judges, original, result, faces, [self.source] * len(faces))
        with self._lock:
            self.checks += 1
            if not check.recognised:
                if self.level == level:
                    self.passed.add(level)
                    self.state = LiveState.HIDDEN
                return
            self.passed.discard(level)
            if self.level != level:
                return  # judged a frame of a level already left
            self.level = level + 1
            if self.level >= len(self.swappers):
                self._blurred_until = seconds + BLUR_SECONDS
                self.state = LiveState.BLURRED
            else:
                self.state = LiveState.MAY_BE_RECOGNISED

    def wait_for_checks(self, timeout: float | None = None) -> None:
        """Block until the check under way (if any) is done (tests, and the end of a session)."""
        if self._check is not None:
            self._check.result(timeout)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
