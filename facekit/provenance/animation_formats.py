"""Encoding short animations (the face API's morphs) with fixed settings, so the same frames
give the same bytes in every process: H.264 in MP4, GIF, animated WebP."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

ANIMATION_TYPES = {"mp4": "video/mp4", "gif": "image/gif", "webp": "image/webp"}
H264_CRF = 18
WEBP_ANIMATION_QUALITY = 85


def encode_animation(pictures: list[np.ndarray], fps: int, fmt: str, *, xmp: str | None = None) -> bytes:
    """`pictures` (RGB, all one size) as `fmt` at `fps`, looping; WebP carries `xmp` when given."""
    if fmt == "mp4":
        return _h264(pictures, fps)
    return _pillow_animation(pictures, fps, fmt, xmp)


def _h264(pictures: list[np.ndarray], fps: int) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = pictures[0].shape[1], pictures[0].shape[0]
        stream.pix_fmt = "yuv420p"
        # One thread: x264's output depends on its thread count, and these are short clips.
        stream.options = {"crf": str(H264_CRF), "preset": "medium", "threads": "1", "movflags": "+faststart"}
        for picture in pictures:
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _pillow_animation(pictures: list[np.ndarray], fps: int, fmt: str, xmp: str | None) -> bytes:
    images = [Image.fromarray(p, mode="RGB") for p in pictures]
    out = io.BytesIO()
    duration = max(1, round(1000 / fps))
    if fmt == "gif":
        images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=duration, loop=0, optimize=False)
    else:
        images[0].save(
            out, "WEBP", save_all=True, append_images=images[1:], duration=duration, loop=0,
            quality=WEBP_ANIMATION_QUALITY, **({"xmp": xmp.encode("utf-8")} if xmp else {}),
        )
    return out.getvalue()
