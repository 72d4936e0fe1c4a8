"""Pixels to files: the master images the worker keeps, and the labelled files the API
serves. No torch here: the web process resizes and labels from cached masters.

Encoder settings are fixed (facekit/provenance/image_formats.py for stills,
animation_formats.py for animations), so the same master gives the same pixels in every process.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from facekit.engines.generation import resize_square
from facekit.engines.licences import model_entry
from facekit.provenance import GenerationFacts, Kind, label_animation, label_image, watermark

from .params import IMAGE_FORMATS

MASTER = "master.npy"
FRAMES = "frames"


def encode_master(rgb: np.ndarray) -> bytes:
    """The pixels as they are (a NumPy array file): masters never leave the cache, and a
    1024 px face took a third as long again to encode as a PNG as to draw, and a sixth again
    to decode (bench/load_api.py: end to end against the generator alone)."""
    out = io.BytesIO()
    np.save(out, np.ascontiguousarray(rgb, np.uint8), allow_pickle=False)
    return out.getvalue()


def decode_master(path: Path | io.BytesIO) -> np.ndarray:
    array = np.load(path, allow_pickle=False)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"{path}: not an RGB master ({array.dtype}, {array.shape})")
    return array


def frame_name(index: int) -> str:
    return f"{index:04d}.npy"


def facts_for(engine, key: str, *, seed: int | None = None, spec: dict | None = None) -> GenerationFacts:
    """Kind.FACE facts: the watermark's id is the seed's low bits (or the render key's,
    for blends and morphs), so a file can be matched to its value again. `engine`: the
    generator, loaded or as the web knows it (engine.Engine): its name and licence."""
    number = seed if seed is not None else int(key[:16], 16)
    return GenerationFacts(Kind.FACE, number & watermark.MAX_OBJECT_ID, engine=engine.name, seed=seed, spec=spec or {},
                           models=[model_entry(engine)])


def labelled_still(master: np.ndarray, dim: int, fmt: str, facts: GenerationFacts, identity) -> bytes:
    """The API's image: resized as the generator resizes (Lanczos, light sharpening), then
    watermarked (when at least 256 px), XMP and a signed C2PA manifest."""
    return label_image(resize_square(master, dim), mime=IMAGE_FORMATS[fmt], facts=facts, identity=identity)


def labelled_animation(frames: list[np.ndarray], dim: int, fps: int, fmt: str, facts: GenerationFacts, identity) -> bytes:
    """A morph resized to `dim` as mp4 (H.264), GIF or animated WebP, labelled
    (provenance.label_animation)."""
    return label_animation([resize_square(frame, dim) for frame in frames], fps=fps, fmt=fmt, facts=facts, identity=identity)
