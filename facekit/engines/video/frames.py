"""Frames in and out of PyAV: RGB conversion with the video's own colour matrix both ways,
and the display rotation a phone records as metadata instead of turning the pixels."""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np

from .errors import VideoError

_Interpolation = av.video.reformatter.Interpolation
# swscale's fast paths round down and share chroma between pixel pairs: each YUV -> RGB -> YUV
# trip darkened the picture by ~1.2 levels. Exact rounding and full chroma interpolation make
# the trip unbiased (mean error 0.5 levels) for ~2 ms more per 1280x720 frame.
EXACT = _Interpolation.BILINEAR | _Interpolation.ACCURATE_RND | _Interpolation.FULL_CHR_H_INT | _Interpolation.FULL_CHR_H_INP


@dataclass(frozen=True)
class Colour:
    """How a video's YUV samples map to RGB. Converting back with the same matrix and range
    (and tagging the output alike) keeps every untouched pixel's colour as it was."""

    colorspace: int | None  # a swscale Colorspace value, None for swscale's default (BT.601)
    color_range: int | None
    primaries: int
    trc: int

    @classmethod
    def of(cls, frame: av.VideoFrame) -> "Colour":
        known = {int(value) for value in av.video.reformatter.Colorspace}
        colorspace = int(frame.colorspace) if int(frame.colorspace) in known else None
        color_range = int(frame.color_range) if int(frame.color_range) in (1, 2) else None
        return cls(colorspace, color_range, int(frame.color_primaries), int(frame.color_trc))

    def to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        return frame.reformat(
            format="rgb24", src_colorspace=self.colorspace, src_color_range=self.color_range, interpolation=EXACT,
        ).to_ndarray()

    def to_yuv420p(self, image: np.ndarray) -> av.VideoFrame:
        rgb = av.VideoFrame.from_ndarray(image, format="rgb24")
        return rgb.reformat(
            format="yuv420p", dst_colorspace=self.colorspace, dst_color_range=self.color_range, interpolation=EXACT,
            dst_color_primaries=self.primaries, dst_color_trc=self.trc,
        )


def quarter_turns(rotation: float) -> int:
    """Counter-clockwise quarter turns that show a frame upright, from its display rotation
    (degrees counter-clockwise, as FFmpeg's display matrix and PyAV's `frame.rotation` give it)."""
    turns = round(rotation / 90.0)
    if abs(rotation - 90 * turns) > 1:
        raise VideoError(f"the video is rotated by {rotation:g} degrees; only quarter turns are supported")
    return turns % 4


def to_display(image: np.ndarray, turns: int) -> np.ndarray:
    """The frame as a viewer sees it (np.rot90 turns counter-clockwise, as the display matrix does)."""
    return np.ascontiguousarray(np.rot90(image, turns)) if turns else image


def from_display(image: np.ndarray, turns: int) -> np.ndarray:
    """Back to the orientation the frame is stored in."""
    return np.ascontiguousarray(np.rot90(image, -turns)) if turns else image
