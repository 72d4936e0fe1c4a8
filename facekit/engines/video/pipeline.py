"""Swapping a video: decode, follow the chosen people, swap each frame, encode, keep the sound."""

from __future__ import annotations

import logging
import os
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import av
import numpy as np

from ..errors import Cancelled
from ..recognition.check import VideoIdentityCheck
from ..recognition.result import IdentityCheck
from ..swapping.errors import SwapError
from ..selection import Selection, select_faces
from ..swapping.sources import per_face_sources
from ..types import Analyser, CancelSignal, SourceFace, Swapper, cancel_checker
from . import stages
from .errors import VideoError
from .frames import Colour, from_display, to_display
from .opening import open_video
from .probe import VideoInfo, accepted_streams, probe
from .tracking import FaceTracker, FrameFaces
from .writer import VideoWriter

logger = logging.getLogger(__name__)

# The analyser searches the whole frame five times a second (and every frame while someone
# is missing; quickly, without tiles, on the frames between while nobody is followed);
# FaceMesh follows faces in between. Measured at 1280x720
# on an idle 2-core machine: a search costs ~14 ms, following one face ~1.5 ms; the whole
# swap runs 1.2-1.6x as fast as with a search on every frame (bench/bench_video.py). A second
# person who walks in while another is followed is found within this time.
DETECT_SECONDS = 0.2
PROGRESS_SECONDS = 0.5


@dataclass(frozen=True)
class VideoReport:
    """What a finished swap did: `seconds` and `fps` are the job's own wall-clock time and speed."""

    frames: int
    seconds: float
    fps: float
    swapped_frames: int
    has_audio: bool
    identity: IdentityCheck | None = None  # the identity check, when one was asked for


@dataclass(frozen=True)
class VideoSwap:
    """A video swap as asked: which sources go onto which people, with which engines.

    `faces` picks people among the analyser's faces in frame `reference_frame` ("all",
    "largest" or indices, as the face picker numbered them); they are followed through the
    whole video, before and after that frame. With one source and "all", people who
    appear later are swapped too. `sources` is one SourceFace, or one per chosen face.

    `detect_every` (frames) sets how often the analyser searches whole frames, FaceMesh
    following the faces in between; the default (None) is five times a second, 1 searches
    every frame (see tracking.FaceTracker). `check`, when given, judges the result's
    identity as the frames go by; its report is the VideoReport's `identity`.

    `metadata` are the output's container tags; `mark(seconds, rgb) -> rgb`, when given, is
    applied to every output frame (as stored, before encoding) on the encoding thread: the
    caller's labelling (provenance.FrameMarker puts the watermark in), kept out of the engine.
    """

    sources: SourceFace | Sequence[SourceFace]
    swapper: Swapper
    analyser: Analyser
    faces: Selection = "all"
    reference_frame: int = 0
    detect_every: int | None = None
    check: VideoIdentityCheck | None = None
    metadata: dict[str, str] | None = None
    mark: Callable[[float, np.ndarray], np.ndarray] | None = None

    def run(
        self, target_path: str | Path, output_path: str | Path, *,
        progress: Callable[[float, float], None] | None = None, cancel: CancelSignal = None,
    ) -> VideoReport:
        """Swap the video at `target_path`, writing an MP4 to `output_path`.

        Every frame is kept with its own timestamp (same count, same duration); the output is
        H.264 in an MP4 with the original rotation and sound. `progress(percent, fps)` is called
        about twice a second and at 100; `cancel` (a callable or an Event) stops the job with
        errors.Cancelled. Nothing is ever left at `output_path` unless the job completes: the
        file is written under a temporary name beside it and renamed at the end.

        Raises VideoError for a video that cannot be used (see `probe`), a reference frame
        without the chosen faces, or a video in which no face is found at all.
        """
        path, output_path = Path(target_path), Path(output_path)
        info = probe(path)
        if not 0 <= self.reference_frame < max(info.frames, 1):
            raise VideoError(f"frame {self.reference_frame} does not exist: the video has {info.frames} frames")
        video = _Input(path, info, self.detect_every or max(1, round(info.fps * DETECT_SECONDS)), cancel_checker(cancel))
        started = time.perf_counter()
        people = self._choose_people(video)

        temp = output_path.with_name(f".{output_path.name}.{secrets.token_hex(4)}.part")
        report = None
        try:
            frames, swapped = self._swap_frames(video, people, temp, _Progress(progress, info.frames, started))
            if swapped == 0:
                raise VideoError("no face was found anywhere in the video")
            identity = self.check.report() if self.check is not None else None
            os.replace(temp, output_path)
            seconds = time.perf_counter() - started
            report = VideoReport(frames, seconds, frames / seconds if seconds > 0 else 0.0, swapped, info.has_audio, identity)
        finally:
            if report is None:
                temp.unlink(missing_ok=True)
        if progress is not None:
            progress(100.0, report.fps)
        return report

    def _choose_people(self, video: _Input) -> _People:
        """Follow everyone up to the reference frame, then pick people among the analyser's faces there.

        The main pass runs the same deterministic tracker over the same frames, so the track
        ids found here name the same people there.
        """
        sources = [self.sources] if isinstance(self.sources, SourceFace) else list(self.sources)
        if not sources:
            raise SwapError("no source face given")
        tracker = FaceTracker(self.analyser, detect_every=video.detect_every)
        seen = None
        for index, image, seconds in _upright_frames(video.path, video.info):
            if video.stop():
                raise Cancelled("the video swap was cancelled")
            seen = tracker.update(image, seconds, search=index == self.reference_frame)
            if index == self.reference_frame:
                break
        detected, tracks = seen.detected or [], seen.detected_tracks or []
        numbers = {track: index for index, track in enumerate(tracks)}
        if self.faces == "all" and len(sources) == 1:
            return _People({}, everyone=sources[0], numbers=numbers)
        try:
            chosen = select_faces(detected, self.faces)
        except ValueError as error:
            raise VideoError(f"frame {self.reference_frame}: {error}") from None
        if not chosen:
            raise VideoError(f"no face was found in frame {self.reference_frame}; choose a frame where the face is visible")
        matched = per_face_sources(sources, [detected[index] for index in chosen])
        return _People({tracks[index]: source for index, source in zip(chosen, matched)}, numbers=numbers)

    def _swap_frames(self, video: _Input, people: _People, temp: Path, report: _Progress) -> tuple[int, int]:
        """Decode (a thread), follow and swap (this thread), encode (another thread); returns
        (frames, swapped frames). The sound's packets travel through the queues with the frames,
        so the file is written in the order it was read."""
        path, info = video.path, video.info
        tracker = FaceTracker(self.analyser, detect_every=video.detect_every)
        memory: dict = {}
        index = swapped = 0
        halt = threading.Event()
        decoded, swapped_frames = queue.Queue(stages.QUEUE_FRAMES), queue.Queue(stages.QUEUE_FRAMES)
        with open_video(path) as container:
            stream, audio = accepted_streams(container, path.name)
            writer = VideoWriter(temp, stream, audio, rotation=info.rotation, fps=info.fps, metadata=self.metadata)
            reader = stages.Stage("video-decode", lambda: _read(container, stream, audio, info, path, decoded, halt), halt)
            encoder = stages.Stage("video-encode", lambda: _write(writer, info, swapped_frames, halt, self.mark), halt)
            try:
                reader.start(), encoder.start()
                while (item := _next(decoded, halt, reader, encoder)) is not stages.END:
                    if item[0] == "video":
                        if video.stop():
                            raise Cancelled("the video swap was cancelled")
                        _, image, pts, seconds = item
                        seen = tracker.update(image, seconds, search=index == self.reference_frame)
                        targets, chosen = people.faces_and_sources(seen)
                        if targets:
                            result = self.swapper.swap(chosen, image, targets, memory=memory)
                            if self.check is not None:
                                self.check.observe(seconds, image, result, targets, chosen, people.numbers_of(targets))
                            image = result
                            swapped += 1
                        item = ("video", image, pts, seconds)
                        index += 1
                    _give(swapped_frames, item, halt, reader, encoder)
                    if item[0] == "video":
                        report(index)
                _give(swapped_frames, stages.END, halt, reader, encoder)
                encoder.join()
                _raise_stage_error(reader, encoder)
            finally:
                halt.set()  # a no-op once all is done; otherwise the other stages give up
                reader.join()
                encoder.join()
                writer.abort()
        return index, swapped


@dataclass(frozen=True)
class _Input:
    """The video being swapped, as probed, and how this run searches it and stops."""

    path: Path
    info: VideoInfo
    detect_every: int
    stop: Callable[[], bool]


@dataclass(frozen=True)
class _People:
    """Who is swapped: track id -> source, or everyone (any track) with one source; and
    `numbers`: track id -> the face's number in the reference frame, for those seen there."""

    by_track: dict[int, SourceFace]
    everyone: SourceFace | None = None
    numbers: dict[int, int] = field(default_factory=dict)

    def faces_and_sources(self, seen: FrameFaces):
        chosen = [(face, self.everyone or self.by_track.get(track)) for track, face in seen.faces.items()]
        chosen = [(face, source) for face, source in chosen if source is not None]
        return [face for face, _ in chosen], [source for _, source in chosen]

    def numbers_of(self, faces) -> list[int | None]:
        return [self.numbers.get(face.extra.get("track")) for face in faces]


def mark_video(source: str | Path, destination: str | Path, *, mark: Callable[[float, np.ndarray], np.ndarray],
               metadata: dict[str, str] | None = None) -> int:
    """Write the video at `source` again to `destination`, each frame through `mark(seconds,
    rgb) -> rgb` (as stored, like VideoSwap's `mark`), with `metadata` as its container tags
    and the sound as it was. For a video made elsewhere in SafeFace (a live recording) that the
    job worker labels. Returns the number of frames; nothing is left at `destination` on failure."""
    path, destination = Path(source), Path(destination)
    info = probe(path)
    frames = 0
    with open_video(path) as container:
        video, audio = accepted_streams(container, path.name)
        colour = Colour.of(video.codec_context)
        writer = VideoWriter(destination, video, audio, rotation=info.rotation, fps=info.fps, metadata=metadata)
        try:
            for packet in _decoded(container.demux(*(stream for stream in (video, audio) if stream)), path):
                if packet.stream.type == "audio":
                    writer.write_audio(packet)
                    continue
                for frame in _decode(packet, path, frames, info):
                    writer.write_frame(mark(_seconds(frame, frames, info), colour.to_rgb(frame)), frame.pts)
                    frames += 1
            writer.close()
        except BaseException:
            writer.abort()
            destination.unlink(missing_ok=True)
            raise
    return frames


def _upright_frames(path: Path, info: VideoInfo):
    """(index, upright RGB image, seconds) for every frame, decoding only the video stream."""
    with open_video(path) as container:
        video, _ = accepted_streams(container, path.name)
        video.thread_type = "AUTO"
        colour = Colour.of(video.codec_context)
        for index, frame in enumerate(_decoded(container.decode(video), path)):
            yield index, to_display(colour.to_rgb(frame), info.rotation // 90), _seconds(frame, index, info)


def _read(container, video, audio, info: VideoInfo, path: Path, out: queue.Queue, halt: threading.Event) -> None:
    video.thread_type = "AUTO"
    colour = Colour.of(video.codec_context)
    turns = info.rotation // 90
    index = 0
    for packet in _decoded(container.demux(*(stream for stream in (video, audio) if stream)), path):
        if packet.stream.type == "audio":
            stages.give(out, ("audio", packet), halt)
            continue
        for frame in _decode(packet, path, index, info):
            image = to_display(colour.to_rgb(frame), turns)
            stages.give(out, ("video", image, frame.pts, _seconds(frame, index, info)), halt)
            index += 1
    stages.give(out, stages.END, halt)


def _write(writer: VideoWriter, info: VideoInfo, items: queue.Queue, halt: threading.Event, mark) -> None:
    turns = info.rotation // 90
    while (item := stages.take(items, halt)) is not stages.END:
        if item[0] == "audio":
            writer.write_audio(item[1])
        else:
            _, image, pts, seconds = item
            image = from_display(image, turns)
            writer.write_frame(mark(seconds, image) if mark is not None else image, pts)
    writer.close()


def _next(items: queue.Queue, halt: threading.Event, *others: stages.Stage):
    try:
        return stages.take(items, halt)
    except stages.Halted:
        pass
    _raise_stage_error(*others)  # outside the except: the stage's error alone is what the caller sees
    raise stages.Halted


def _give(items: queue.Queue, item, halt: threading.Event, *others: stages.Stage) -> None:
    try:
        return stages.give(items, item, halt)
    except stages.Halted:
        pass
    _raise_stage_error(*others)
    raise stages.Halted


def _raise_stage_error(*others: stages.Stage) -> None:
    for stage in others:
        if stage.error is not None:
            raise stage.error


def _decode(packet: av.Packet, path: Path, index: int, info: VideoInfo) -> list[av.VideoFrame]:
    """The frames of one packet; a packet the decoder refuses fails the job (skipping it would
    lose frames and shift the sound against the picture)."""
    try:
        return packet.decode()
    except av.FFmpegError as error:
        reason = getattr(error, "strerror", None) or str(error)
        at = f"{index / info.fps:.2f} s" if info.fps else f"frame {index}"
        raise VideoError(f"{path.name} is damaged near {at} and cannot be decoded: {reason}") from None


def _decoded(items, path: Path):
    """Iterate PyAV packets or frames, turning FFmpeg's decoding errors into VideoError."""
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except av.FFmpegError as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise VideoError(f"{path.name} is damaged and cannot be decoded: {reason}") from None
        yield item


def _seconds(frame: av.VideoFrame, index: int, info: VideoInfo) -> float:
    return float(frame.time) if frame.time is not None else index / (info.fps or 30.0)


class _Progress:
    """Calls `progress(percent, fps)` at most every PROGRESS_SECONDS while frames are done;
    100 is only reported once the file is in place."""

    def __init__(self, callback, total: int, started: float):
        self.callback, self.total, self.started = callback, max(total, 1), started
        self._last = 0.0

    def __call__(self, done: int) -> None:
        if self.callback is None:
            return
        now = time.perf_counter()
        if now - self._last < PROGRESS_SECONDS:
            return
        self._last = now
        elapsed = now - self.started
        self.callback(min(99.0, 100.0 * done / self.total), done / elapsed if elapsed > 0 else 0.0)
