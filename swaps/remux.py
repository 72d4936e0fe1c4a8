"""Uploaded video containers rewritten without re-encoding: their metadata out (results are
labelled as they are written: provenance.label_video).

A stream copy keeps every frame and sample as it was, and the display rotation (FFmpeg
copies it with the codec parameters), but none of the source's container or stream
metadata: a phone's GPS position, its make and model, creation times.
"""

from __future__ import annotations

from pathlib import Path

import av

WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}


class RemuxError(ValueError):
    """The container could not be rewritten."""


def output_format(source_container: str, codecs: set[str]) -> tuple[str, str]:
    """(FFmpeg muxer, file extension) that holds these codecs in the source's family."""
    if "matroska" in source_container or "webm" in source_container:
        return ("webm", "webm") if codecs <= WEBM_CODECS else ("matroska", "mkv")
    return "mp4", "mp4"


def remux(source: Path, destination_stem: Path, *, metadata: dict[str, str] | None = None) -> Path:
    """Copy the first video stream and the first audio stream of `source` into a new
    container beside `destination_stem` (its extension chosen by the codecs), with only
    `metadata` as container metadata. Returns the new file's path; on any failure no
    file is left."""
    try:
        with av.open(str(source), "r") as src:
            video = src.streams.video[0]
            audio = src.streams.audio[0] if src.streams.audio else None
            streams = [s for s in (video, audio) if s is not None]
            fmt, extension = output_format(src.format.name, {s.codec_context.name for s in streams})
            destination = destination_stem.with_suffix(f".{extension}")
            options = {"movflags": "+faststart+use_metadata_tags"} if fmt == "mp4" else {}
            try:
                with av.open(str(destination), "w", format=fmt, options=options) as out:
                    out.metadata.update(metadata or {})
                    mapped = {}
                    for stream in streams:
                        copy = out.add_stream_from_template(stream)
                        copy.metadata.clear()
                        mapped[stream.index] = copy
                    for packet in src.demux(streams):
                        if packet.dts is None:  # the demuxer's end-of-stream marker
                            continue
                        packet.stream = mapped[packet.stream.index]
                        out.mux(packet)
            except BaseException:
                destination.unlink(missing_ok=True)
                raise
    except (av.FFmpegError, IndexError, OSError, ValueError) as exc:
        raise RemuxError(f"the video's container could not be rewritten ({exc})") from exc
    return destination
