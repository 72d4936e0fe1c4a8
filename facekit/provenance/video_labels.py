"""Videos SafeFace made: the container tags and the watermarked frames put in while the video
is written, and reading both back from an MP4 for /verify/ (the C2PA manifest is manifest.py's).

A video carries the watermark on its first frame and then one frame every `every_seconds`
(embedding costs about 15 ms per 720p frame, reading about 150 ms: `bench/bench_provenance.py
--video`, bench/bench_watermark.py); the reader picks the same frames by their timestamps.
"""

from __future__ import annotations

import io
import logging
import math

import numpy as np

from . import watermark
from .facts import GenerationFacts
from .watermark import WatermarkPayload
from .xmp import XmpFacts

logger = logging.getLogger(__name__)

MP4 = "video/mp4"
QUICKTIME = "video/quicktime"
# The reader looks at this many of the frames that carry the mark, at most (each check costs
# about 150 ms at 720p).
FRAMES_CHECKED = 4
TAG_SOURCE_TYPE = "com.iptc.digitalsourcetype"
TAG_ID = "org.safeface.id"
TAG_ENGINE = "org.safeface.engine"
TAG_WATERMARK_SECONDS = "org.safeface.watermark_seconds"  # the marked frames' period, for the reader
DEFAULT_WATERMARK_SECONDS = 2.0


def sniff_video(data: bytes) -> str | None:
    """MP4 or QuickTime bytes, judged by the `ftyp` box that opens them; else None."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    return QUICKTIME if data[8:12] == b"qt  " else MP4


def video_tags(facts: GenerationFacts, watermark_seconds: float | None = None) -> dict[str, str]:
    """Container metadata saying what a video is (written by the video writer), and how often
    its frames carry the watermark (FrameMarker's `every_seconds`), when they do."""
    return {
        **({TAG_WATERMARK_SECONDS: f"{watermark_seconds:g}"} if watermark_seconds else {}),
        "title": f"SafeFace {facts.kind.value} {facts.object_id}",
        "comment": f"Made by SafeFace (IPTC {facts.kind.digital_source_type.rsplit('/', 1)[-1]}).",
        "description": facts.kind.digital_source_type,
        TAG_SOURCE_TYPE: facts.kind.digital_source_type,
        TAG_ID: facts.safeface_id,
        TAG_ENGINE: facts.engine,
    }


class _Schedule:
    """Which frames carry the mark: the first, then the first frame of every later
    `every_seconds` period. The same rule picks them when reading."""

    def __init__(self, every_seconds: float):
        self.every, self.next = every_seconds, -math.inf

    def due(self, seconds: float) -> bool:
        if seconds + 1e-6 < self.next:
            return False
        self.next = (math.floor(seconds / self.every + 1e-6) + 1) * self.every
        return True


class FrameMarker:
    """`marker(seconds, rgb)` returns the frame as it should be written: watermarked with
    `facts`' kind and id when the schedule says so (and the frame is large enough)."""

    def __init__(self, facts: GenerationFacts, every_seconds: float):
        self.payload = WatermarkPayload(facts.kind, facts.object_id)
        self.schedule = _Schedule(every_seconds)
        self.marked = 0

    def __call__(self, seconds: float, rgb: np.ndarray) -> np.ndarray:
        if not self.schedule.due(seconds) or not watermark.fits(rgb):
            return rgb
        self.marked += 1
        return watermark.embed(rgb, self.payload)


def read_tags(data: bytes) -> dict[str, str]:
    """The container's tags ({} when unreadable)."""
    import av

    try:
        with av.open(io.BytesIO(data), "r") as container:
            return dict(container.metadata)
    except Exception as exc:  # noqa: BLE001 - hostile containers raise many types
        logger.info("cannot read the video's container tags: %s", exc)
        return {}


def tag_facts(tags: dict[str, str]) -> XmpFacts | None:
    """What our container tags say, in the shape XMP's facts have; None without them."""
    if TAG_SOURCE_TYPE not in tags and TAG_ID not in tags:
        return None
    return XmpFacts(digital_source_type=tags.get(TAG_SOURCE_TYPE), safeface_id=tags.get(TAG_ID), engine=tags.get(TAG_ENGINE))


def watermark_seconds(tags: dict[str, str]) -> float:
    """The marked frames' period the tags name, else the default (tags stripped by a re-encode)."""
    try:
        value = float(tags.get(TAG_WATERMARK_SECONDS, DEFAULT_WATERMARK_SECONDS))
    except ValueError:
        value = DEFAULT_WATERMARK_SECONDS
    return value if math.isfinite(value) and value > 0 else DEFAULT_WATERMARK_SECONDS


def find_watermark(data: bytes, every_seconds: float, *, frames: int = FRAMES_CHECKED) -> WatermarkPayload | None:
    """The watermark of the first of the scheduled frames that carries one (at most `frames`
    looked at), decoding the video as it goes; None when none does."""
    import av

    schedule, looked = _Schedule(every_seconds), 0
    try:
        with av.open(io.BytesIO(data), "r") as container:
            stream = container.streams.video[0]
            for index, frame in enumerate(container.decode(stream)):
                seconds = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 30)
                if not schedule.due(seconds):
                    continue
                found = watermark.detect(frame.to_ndarray(format="rgb24"))
                looked += 1
                if found is not None or looked >= frames:
                    return found
    except Exception as exc:  # noqa: BLE001 - a damaged upload simply carries no readable mark
        logger.info("cannot decode the video to look for a watermark: %s", exc)
    return None
