"""What is in an uploaded video, checked before any real work: `probe` and `read_frame`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .errors import VideoError
from .frames import Colour, quarter_turns, to_display
from .opening import open_video, sniff_container

# What phones, cameras and browsers record: H.264 and HEVC (phones, cameras), VP8, VP9 and
# AV1 (browsers' MediaRecorder, WebM), MPEG-4 Part 2 (older cameras). Not ProRes or raw
# (editing intermediates: huge uploads) and none of FFmpeg's many legacy decoders, which
# are where its security bugs have lived.
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
AUDIO_CODECS = frozenset({
    "aac", "mp3", "mp3float", "opus", "vorbis", "flac", "alac", "ac3", "eac3",
    "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_f32le",
})
# A video, a sound track and a few metadata tracks (phones add timecode and motion tracks):
# the default cap; callers pass their own (the site: SAFEFACE_VIDEO_MAX_STREAMS).
MAX_STREAMS = 8


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video. `width` and `height` are as displayed (rotation applied);
    `rotation` is the display rotation in degrees counter-clockwise (0, 90, 180 or 270)."""

    container: str  # "mp4", "mov", "webm" or "matroska"
    width: int
    height: int
    fps: float
    duration: float  # seconds
    frames: int
    rotation: int
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    streams: int
    audio_sample_rate: int | None = None
    audio_channels: int | None = None


def probe(path: str | Path, *, max_streams: int = MAX_STREAMS, name: str | None = None) -> VideoInfo:
    """Check that `path` is a video this site accepts and describe it; VideoError otherwise.

    Accepts mov/mp4 and Matroska/WebM files (recognised from their bytes, whatever the
    name says) with exactly one video stream in a codec of VIDEO_CODECS, at most one
    sound stream in AUDIO_CODECS, and at most `max_streams` streams in all. The first frame is
    decoded, so a file whose video cannot be decoded is refused here. Messages call the
    file `name` (default: its file name; an upload's temporary name means nothing to the
    person who sent it).
    """
    path = Path(path)
    name = name or path.name
    _, container_name = sniff_container(path, name)
    with open_video(path, name) as container:
        video, audio = accepted_streams(container, name, max_streams=max_streams)
        _check_complete(container, path, name)
        first = _first_frame(container, video, name)
        rotation = 90 * quarter_turns(first.rotation)
        coded_width, coded_height = video.codec_context.width, video.codec_context.height
        fps = _fps(video)
        duration = _duration(container, video)
        frames = video.frames or _count_frames(path, video.index, name)
        if fps <= 0 and duration > 0:
            fps = frames / duration
        if duration <= 0 and fps > 0:
            duration = frames / fps
        streams = len(container.streams)
    sideways = rotation in (90, 270)
    return VideoInfo(
        container=container_name,
        width=coded_height if sideways else coded_width,
        height=coded_width if sideways else coded_height,
        fps=fps,
        duration=duration,
        frames=frames,
        rotation=rotation,
        video_codec=video.codec_context.name,
        has_audio=audio is not None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        streams=streams,
        audio_sample_rate=audio.codec_context.sample_rate if audio is not None else None,
        audio_channels=audio.codec_context.channels if audio is not None else None,
    )


def read_frame(path: str | Path, index: int = 0) -> np.ndarray:
    """Frame `index` (0 = the first) as an RGB uint8 array, turned upright as it is displayed."""
    path = Path(path)
    if index < 0:
        raise VideoError(f"frame number must be 0 or more, not {index}")
    decoded = 0
    with open_video(path) as container:
        video, _ = accepted_streams(container, path.name)
        try:
            for frame in container.decode(video):
                if decoded == index:
                    return to_display(Colour.of(frame).to_rgb(frame), quarter_turns(frame.rotation))
                decoded += 1
        except av.FFmpegError as error:
            raise VideoError(f"{path.name}: the video cannot be decoded ({_reason(error)})") from None
    raise VideoError(f"{path.name} has no frame {index}: it has {decoded} frames")


def sampled_frames(path: str | Path, every_seconds: float):
    """The video's frames, upright as displayed, one in every `every_seconds` (the first, then
    the first of each later period), decoding the whole video once. For screening (screening/)."""
    path, due = Path(path), 0.0
    with open_video(path) as container:
        video, _ = accepted_streams(container, path.name)
        video.thread_type = "AUTO"
        rate = float(video.average_rate or 30)
        try:
            for index, frame in enumerate(container.decode(video)):
                seconds = float(frame.time) if frame.time is not None else index / rate
                if seconds + 1e-6 >= due:
                    due = (int(seconds / every_seconds + 1e-6) + 1) * every_seconds
                    yield to_display(Colour.of(frame).to_rgb(frame), quarter_turns(frame.rotation))
        except av.FFmpegError as error:
            raise VideoError(f"{path.name}: the video cannot be decoded ({_reason(error)})") from None


def accepted_streams(container: av.container.InputContainer, name: str, *, max_streams: int = MAX_STREAMS):
    """The one video stream and the sound stream (or None) of an open video; VideoError for anything else."""
    streams = container.streams
    if len(streams) > max_streams:
        raise VideoError(f"{name} has {len(streams)} streams; at most {max_streams} are accepted")
    if not streams.video:
        raise VideoError(f"{name} has no video stream (a sound-only file?)")
    if len(streams.video) > 1:
        raise VideoError(f"{name} has {len(streams.video)} video streams; only one is accepted")
    if len(streams.audio) > 1:
        raise VideoError(f"{name} has {len(streams.audio)} sound streams; at most one is accepted")
    video = streams.video[0]
    codec = video.codec_context.name
    if codec not in VIDEO_CODECS:
        raise VideoError(f"{name}: video codec {codec!r} is not accepted; use one of {', '.join(sorted(VIDEO_CODECS))}")
    if not video.codec_context.width or not video.codec_context.height:
        raise VideoError(f"{name}: the video stream has no picture size (damaged file?)")
    audio = streams.audio[0] if streams.audio else None
    if audio is not None and audio.codec_context.name not in AUDIO_CODECS:
        raise VideoError(f"{name}: sound codec {audio.codec_context.name!r} is not accepted")
    return video, audio


def _check_complete(container: av.container.InputContainer, path: Path, name: str) -> None:
    """A file cut short (an interrupted upload) still opens when its index comes first;
    its index then points past the end of the file."""
    size = os.path.getsize(path)
    for stream in container.streams:
        entries = stream.index_entries
        if len(entries) and max(entry.pos + entry.size for entry in entries) > size:
            raise VideoError(f"{name} is incomplete: it ends before its last frame (an interrupted upload?)")


def _first_frame(container, video, name: str) -> av.VideoFrame:
    try:
        for frame in container.decode(video):
            return frame
    except av.FFmpegError as error:
        raise VideoError(f"{name}: the video cannot be decoded ({_reason(error)})") from None
    raise VideoError(f"{name}: the video stream has no frames")


def _fps(video) -> float:
    rate = video.average_rate or video.guessed_rate or video.base_rate
    return float(rate) if rate else 0.0


def _duration(container, video) -> float:
    if video.duration is not None and video.time_base is not None:
        return float(video.duration * video.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _count_frames(path: Path, stream_index: int, name: str) -> int:
    """Count video packets without decoding (Matroska/WebM headers do not say how many frames)."""
    with open_video(path, name) as container:
        video = container.streams[stream_index]
        try:
            return sum(1 for packet in container.demux(video) if packet.size)
        except av.FFmpegError as error:
            raise VideoError(f"{name} is damaged: {_reason(error)}") from None


def _reason(error: av.FFmpegError) -> str:
    return getattr(error, "strerror", None) or str(error)
