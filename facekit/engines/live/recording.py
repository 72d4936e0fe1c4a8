"""Recording a live session: the frames it showed and the camera's sound, into an MP4.

The live worker hands over each frame it showed (with the camera's frame and the faces followed,
which only the identity check looks at) and each frame of sound; a thread of the recording's own
encodes them and feeds the identity check (`VideoIdentityCheck`, as a video swap's), so neither
the swap nor the event loop waits for it. Shown frames that arrive faster than it keeps up are
dropped and counted: the frame before stays on screen longer, as in the stream itself (each
frame keeps the time it was shown). Only shown frames are written; the camera's are judged and
forgotten. The file is the raw recording: the job worker labels it (watermark, tags, C2PA) as
it labels any swap result.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import av
import cv2
import numpy as np

from ..recognition.check import VideoIdentityCheck
from ..recognition.result import IdentityCheck
from ..types import Face, Recogniser, SourceFace
from ..video.writer import AAC_FRAME, CRF, KEYFRAME_SECONDS, even_size

logger = logging.getLogger(__name__)

CLOCK = Fraction(1, 1000)  # frames keep the millisecond they were shown
# The file is an intermediate (the job worker writes it again through the watermark, at the
# writer's PRESET): x264's fastest preset on one thread takes 3.2 ms of CPU a 640x480 frame here,
# against 5.4 ms for PRESET on its own threads, which the swap beside it needs more.
INTERMEDIATE = {"preset": "ultrafast", "crf": str(CRF), "threads": "1"}
# Each person is judged once a second (the live check already judges twice a second as the frames
# go), plus the frames the swap changed least: judging is most of a recording's cost.
CHECK_SECONDS = 1.0
NOMINAL_FPS = 30  # the encoder's rate for its keyframe spacing; the frames' own times rule
SOUND_RATE = 48_000  # the file's sound (WebRTC's Opus decodes to 48 kHz already)
PENDING_FRAMES = 30  # shown frames waiting for the encoder at most (about a second)


@dataclass(frozen=True)
class RecordingReport:
    path: Path
    seconds: float  # from the first frame written to the last
    frames: int
    dropped: int
    has_audio: bool
    identity: IdentityCheck | None


class LiveRecording:
    """One recording, written at `path` from its first shown frame until `finish()`.

    `source` is the avatar put on every face (the identity check measures the result against
    it too); `judges` the identity judges (none: no check); `audio`, whether sound frames will
    come (the MP4 gets an AAC track); `pending`, how many shown frames may wait for the encoder
    before more are dropped. `clock` gives seconds (tests pass their own).
    """

    def __init__(self, path: str | Path, source: SourceFace, *, judges: Sequence[Recogniser] = (), audio: bool = False,
                 pending: int = PENDING_FRAMES, clock: Callable[[], float] = time.monotonic):
        self.path, self.source, self.audio_wanted, self.clock = Path(path), source, audio, clock
        self.check = VideoIdentityCheck(judges, every=CHECK_SECONDS) if judges else None
        self.started = clock()
        self.frames = self.dropped = 0
        self._items: queue.Queue = queue.Queue()
        self._room = threading.BoundedSemaphore(pending)  # shown frames queued, not yet written
        self._container = self._video = self._audio = self._resampler = None
        self._size: tuple[int, int] | None = None
        self._last_ms = -1
        self._first_ms: int | None = None
        self._sound_at: int | None = None  # the next sound sample's time, in samples
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="live-recording", daemon=True)
        self._thread.start()

    @property
    def seconds(self) -> float:
        return self.clock() - self.started

    # --- called by the live worker's threads ------------------------------------------------

    def add_frame(self, original: np.ndarray, shown: np.ndarray, faces: Sequence[Face]) -> None:
        """A frame shown now: `shown` is written, `original` (the camera's) only judged."""
        if self._error is not None or not self._room.acquire(blocking=False):
            self.dropped += 1
            return
        self._items.put(("video", self.seconds, original, shown, tuple(faces)))

    def add_sound(self, frame: av.AudioFrame) -> None:
        """A frame of the camera's sound as it arrived (never dropped: sound gaps are heard)."""
        if self.audio_wanted and self._error is None:
            self._items.put(("audio", self.seconds, frame))

    def finish(self) -> RecordingReport:
        """Finish the file and the identity check (blocks: run it off the event loop). Raises
        what the encoder raised. With no frame shown, nothing is written (`frames` 0)."""
        self._items.put(None)
        self._thread.join()
        if self._error is not None:
            self.path.unlink(missing_ok=True)
            raise self._error
        identity = self.check.report() if self.check is not None and self.frames else None
        seconds = (self._last_ms - self._first_ms) / 1000 if self._first_ms is not None else 0.0
        return RecordingReport(self.path, seconds, self.frames, self.dropped, self._audio is not None, identity)

    # --- the recording's thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (item := self._items.get()) is not None:
                if item[0] == "video":
                    self._room.release()
                    self._write_frame(*item[1:])
                elif self._container is not None:
                    self._write_sound(*item[1:])
            if self._container is not None:
                self._container.mux(self._video.encode(None))
                if self._audio is not None:
                    self._encode_sound(None)
                    self._container.mux(self._audio.encode(None))
        except BaseException as error:  # noqa: BLE001  (kept for finish(); the session goes on)
            logger.exception("The live recording failed")
            self._error = error
        finally:
            if self._container is not None:
                self._container.close()

    def _open(self, width: int, height: int) -> None:
        self._size = even_size(width, height)
        self._container = av.open(str(self.path), mode="w", format="mp4", container_options={"movflags": "+faststart"})
        video = self._container.add_stream("libx264", rate=NOMINAL_FPS)
        video.width, video.height, video.pix_fmt = *self._size, "yuv420p"
        video.codec_context.time_base = video.time_base = CLOCK
        video.codec_context.gop_size = KEYFRAME_SECONDS * NOMINAL_FPS
        video.options = INTERMEDIATE
        self._video = video
        if self.audio_wanted:
            self._audio = self._container.add_stream("aac", rate=SOUND_RATE, layout="stereo")
            self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SOUND_RATE, frame_size=AAC_FRAME)

    def _write_frame(self, seconds: float, original: np.ndarray, shown: np.ndarray, faces: tuple[Face, ...]) -> None:
        if self._container is None:
            self._open(shown.shape[1], shown.shape[0])
        width, height = self._size
        written = shown
        if shown.shape[1] != width or shown.shape[0] != height:
            # WebRTC may change the camera's size mid-call (bandwidth): the file keeps its first.
            written = cv2.resize(shown, (width, height), interpolation=cv2.INTER_AREA)
        ms = max(round(seconds * 1000), self._last_ms + 1)  # an encoder refuses time that stands still
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(written), format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = ms, CLOCK
        self._container.mux(self._video.encode(frame))
        if self._first_ms is None:
            self._first_ms = ms
        self._last_ms = ms
        self.frames += 1
        if self.check is not None and faces:
            # People are told apart by their place, left to right: the live tracker gives a face
            # that was lost for a moment a new id, which would make one person many.
            placed = sorted(faces, key=lambda face: face.box[0])
            people = [replace(face, extra={**face.extra, "track": index}) for index, face in enumerate(placed)]
            self.check.observe(seconds, original, shown, people, [self.source] * len(people), labels=list(range(len(people))))

    def _write_sound(self, seconds: float, frame: av.AudioFrame) -> None:
        if self._audio is None:
            return
        rate = frame.sample_rate
        if self._sound_at is None:  # the sound starts at the moment of the picture it arrived with
            self._sound_at = round(seconds * rate)
        # Then sample after sample: the sound's own clock, steadier than its arrival times.
        frame.pts, frame.time_base = self._sound_at, Fraction(1, rate)
        self._sound_at += frame.samples
        self._encode_sound(frame)

    def _encode_sound(self, frame: av.AudioFrame | None) -> None:
        for resampled in self._resampler.resample(frame):
            self._container.mux(self._audio.encode(resampled))
