"""Pixels to files: the master images the worker keeps, and the labelled files the API
serves. No torch here: the web process resizes and labels from cached masters.

Encoder settings are fixed (safeface/provenance/image_files.py for stills, below for
animations), so the same master gives the same pixels in every process.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from safeface.engines.generation import resize_square
from safeface.provenance import GenerationFacts, Kind, label_image, watermark
from safeface.provenance.manifest import sign_image
from safeface.provenance.xmp import build_packet

from .params import ANIMATION_FORMATS, IMAGE_FORMATS

MASTER = "master.png"
FRAMES = "frames"
H264_CRF = 18
WEBP_ANIMATION_QUALITY = 85


def encode_master(rgb: np.ndarray) -> bytes:
    """Lossless and without metadata: masters never leave the cache as they are."""
    out = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(out, "PNG", compress_level=6)
    return out.getvalue()


def decode_master(path: Path) -> np.ndarray:
    with Image.open(path, formats=["PNG"]) as image:
        return np.asarray(image.convert("RGB"))


def frame_name(index: int) -> str:
    return f"{index:04d}.png"


def facts_for(engine: str, key: str, *, seed: int | None = None, spec: dict | None = None) -> GenerationFacts:
    """Kind.FACE facts: the watermark's id is the seed's low bits (or the render key's,
    for blends and morphs), so a file can be matched to its value again."""
    number = seed if seed is not None else int(key[:16], 16)
    return GenerationFacts(Kind.FACE, number & watermark.MAX_OBJECT_ID, engine=engine, seed=seed, spec=spec or {})


def labelled_still(master: np.ndarray, dim: int, fmt: str, facts: GenerationFacts, identity) -> bytes:
    """The API's image: resized as the generator resizes (Lanczos, light sharpening), then
    watermarked (when at least 256 px), XMP and a signed C2PA manifest."""
    return label_image(resize_square(master, dim), mime=IMAGE_FORMATS[fmt], facts=facts, identity=identity)


def labelled_animation(frames: list[np.ndarray], dim: int, fps: int, fmt: str, facts: GenerationFacts, identity) -> bytes:
    """A morph as mp4 (H.264), GIF or animated WebP, with a signed C2PA manifest.

    MP4 and WebP frames carry the watermark when large enough; GIF's 256-colour palette
    would destroy it, so GIFs rely on C2PA (and WebP also carries XMP).
    """
    pictures = [resize_square(frame, dim) for frame in frames]
    if fmt != "gif" and watermark.fits(pictures[0]):
        payload = watermark.WatermarkPayload(facts.kind, facts.object_id)
        pictures = [watermark.embed(p, payload) for p in pictures]
    if fmt == "mp4":
        data = _h264(pictures, fps)
    else:
        data = _pillow_animation(pictures, fps, fmt, build_packet(facts) if fmt == "webp" else None)
    return sign_image(data, ANIMATION_FORMATS[fmt], facts, identity)


def _h264(pictures: list[np.ndarray], fps: int) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = pictures[0].shape[0]
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
            quality=WEBP_ANIMATION_QUALITY, xmp=xmp.encode("utf-8"),
        )
    return out.getvalue()
