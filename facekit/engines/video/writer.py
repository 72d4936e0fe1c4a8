"""Writing the swapped video: H.264 in an MP4 that a browser plays while it loads, with the
original sound copied when it is AAC and re-encoded to AAC when it is not."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .errors import VideoError
from .frames import Colour

# x264 speed against size: "veryfast" keeps encoding a small share of the time per frame
# (about 8 ms at 1280x720 on this project's CPUs); CRF 20 is visually close to the source.
PRESET = "veryfast"
CRF = 20
KEYFRAME_SECONDS = 2  # a keyframe every 2 s: browsers seek to keyframes
# Sample rates the AAC encoder takes; other sound is resampled to 48 kHz.
AAC_RATES = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000})
AAC_FRAME = 1024


def even_size(width: int, height: int) -> tuple[int, int]:
    """yuv420p halves the colour planes, so H.264 wants even sides; an odd last row or column is cut."""
    return width - width % 2, height - height % 2


class VideoWriter:
    """An MP4 being written at `path`: frames go in with their original timestamps, sound
    packets as they are demuxed; `metadata` are its container tags. `close()` finishes the file (then `movflags=+faststart`
    moves its index to the front); `abort()` drops it unfinished.

    The stored frames keep their orientation and the output carries the input's display
    rotation, so players turn it exactly as they turned the original.
    """

    def __init__(
        self, path: Path, video: av.video.stream.VideoStream, audio: av.audio.stream.AudioStream | None, *,
        rotation: int, fps: float, metadata: dict[str, str] | None = None,
    ):
        self.colour = Colour.of(video.codec_context)
        self.width, self.height = even_size(video.codec_context.width, video.codec_context.height)
        # use_metadata_tags: keys of our own (com.iptc.digitalsourcetype) are kept, not dropped.
        options = {"movflags": "+faststart" + ("+use_metadata_tags" if metadata else "")}
        self.container = av.open(str(path), mode="w", format="mp4", container_options=options)
        self.container.metadata.update(metadata or {})
        try:
            self.video = self._add_video(video, rotation, fps)
            self.audio_in = audio
            self.audio = self._add_audio(audio) if audio is not None else None
        except BaseException:
            self.container.close()
            raise
        self._last_pts: int | None = None
        self._closed = False

    def _add_video(self, source, rotation: int, fps: float):
        rate = source.average_rate or Fraction(fps).limit_denominator(1001)
        stream = self.container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
        # The input's clock: variable-frame-rate video keeps every frame's own time.
        stream.codec_context.time_base = source.time_base
        stream.time_base = source.time_base
        stream.codec_context.gop_size = max(1, round(KEYFRAME_SECONDS * float(rate)))
        stream.codec_context.colorspace = self.colour.colorspace or 2  # 2: unspecified
        stream.codec_context.color_range = self.colour.color_range or 0
        stream.codec_context.color_primaries = self.colour.primaries
        stream.codec_context.color_trc = self.colour.trc
        stream.options = {"preset": PRESET, "crf": str(CRF)}
        if rotation:
            stream.set_display_rotation(rotation)
        return stream

    def _add_audio(self, source):
        if source.codec_context.name == "aac":
            self._resampler = None
            return self.container.add_stream_from_template(source)
        rate = source.codec_context.sample_rate if source.codec_context.sample_rate in AAC_RATES else 48000
        layout = source.codec_context.layout.name if source.codec_context.channels <= 2 else "stereo"
        stream = self.container.add_stream("aac", rate=rate, layout=layout)
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=AAC_FRAME)
        return stream

    def write_frame(self, image: np.ndarray, pts: int | None) -> None:
        """One RGB frame in stored orientation; `pts` in the input video's time base."""
        if image.shape[0] != self.height or image.shape[1] != self.width:
            image = image[:self.height, :self.width]
        frame = self.colour.to_yuv420p(np.ascontiguousarray(image))
        # An encoder refuses time that stands still or runs back (broken timestamps in the input).
        if pts is None or (self._last_pts is not None and pts <= self._last_pts):
            pts = 0 if self._last_pts is None else self._last_pts + 1
        frame.pts, frame.time_base = pts, self.video.codec_context.time_base
        self._last_pts = pts
        self.container.mux(self.video.encode(frame))

    def write_audio(self, packet: av.Packet) -> None:
        """One demuxed packet of the input's sound stream (an empty one flushes the decoder)."""
        if self.audio is None:
            return
        if self._resampler is None:
            if packet.size and packet.dts is not None:
                packet.stream = self.audio
                self.container.mux(packet)
            return
        try:
            frames = packet.decode()
        except av.FFmpegError as error:
            raise VideoError(f"the sound is damaged and cannot be decoded: {getattr(error, 'strerror', error)}") from None
        for frame in frames:
            self._encode_audio(frame)

    def _encode_audio(self, frame: av.AudioFrame | None) -> None:
        for resampled in self._resampler.resample(frame):
            self.container.mux(self.audio.encode(resampled))

    def close(self) -> None:
        """Flush the encoders and finish the file."""
        try:
            self.container.mux(self.video.encode(None))
            if self.audio is not None and self._resampler is not None:
                self._encode_audio(None)
                self.container.mux(self.audio.encode(None))
        finally:
            self._closed = True
            self.container.close()

    def abort(self) -> None:
        """Close without finishing, if not closed yet (the caller deletes the file)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.container.close()
        except av.FFmpegError:
            pass
