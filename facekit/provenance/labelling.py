"""Label a file SafeFace made, the one API for every kind of file: `label_image` (stills),
`label_animation` (the face API's morphs) and `label_video` (swapped videos).

The order matters. The watermark changes pixels, so it comes before encoding; XMP (or a
video's container tags) is written by the encoder; C2PA signs last so its hash covers the
pixels and the tags alike. A video's pixels and tags are put in by the video writer while
it encodes (video_labels.FrameMarker, video_tags), so `label_video` only signs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from . import watermark
from .errors import LabellingError
from .facts import GenerationFacts
from .animation_formats import ANIMATION_TYPES, encode_animation
from .image_formats import SUPPORTED_MIME_TYPES, check_rgb, decode_rgb, encode_rgb
from .manifest import can_sign, sign_image, sign_stream
from .signing import SigningIdentity
from .xmp import build_packet

logger = logging.getLogger(__name__)


def label_image(
    source: np.ndarray | bytes | str | os.PathLike,
    *,
    mime: str,
    facts: GenerationFacts,
    identity: SigningIdentity,
    parent: bytes | None = None,
    add_watermark: bool | None = None,
) -> bytes:
    """Return the encoded file (`mime`: image/png, image/jpeg or image/webp) with provenance.

    `source` is an HxWx3 uint8 RGB array (what the engines return) or the bytes or path of
    a PNG/JPEG/WebP, which is decoded and re-encoded (the watermark needs the pixels).
    `parent` is the stored swap target a swap result was made from (recorded in C2PA as the
    parent ingredient). `add_watermark`: True requires one (WatermarkError if the image is
    too small), False skips it, None (default) adds one when the image is large enough.
    """
    if mime not in SUPPORTED_MIME_TYPES:
        raise LabellingError(f"cannot label {mime!r}; SafeFace labels {', '.join(SUPPORTED_MIME_TYPES)}")
    rgb = _pixels(source)
    if add_watermark or (add_watermark is None and watermark.fits(rgb)):
        rgb = watermark.embed(rgb, watermark.WatermarkPayload(facts.kind, facts.object_id))
    else:
        logger.info("%s labelled without a watermark (%dx%d)", facts.safeface_id, rgb.shape[1], rgb.shape[0])
    encoded = encode_rgb(rgb, mime, xmp=build_packet(facts))
    return sign_image(encoded, mime, facts, identity, parent=parent)


def label_animation(pictures: list[np.ndarray], *, fps: int, fmt: str, facts: GenerationFacts,
                    identity: SigningIdentity) -> bytes:
    """`pictures` as an MP4 (H.264), GIF or animated WebP, with a signed C2PA manifest.

    MP4 and WebP frames carry the watermark when large enough; GIF's 256-colour palette
    would destroy it, so GIFs rely on C2PA (and WebP also carries XMP).
    """
    if fmt not in ANIMATION_TYPES:
        raise LabellingError(f"cannot label a {fmt!r} animation; SafeFace makes {', '.join(ANIMATION_TYPES)}")
    pictures = [check_rgb(picture) for picture in pictures]
    if fmt != "gif" and watermark.fits(pictures[0]):
        payload = watermark.WatermarkPayload(facts.kind, facts.object_id)
        pictures = [watermark.embed(picture, payload) for picture in pictures]
    data = encode_animation(pictures, fps, fmt, xmp=build_packet(facts) if fmt == "webp" else None)
    return sign_image(data, ANIMATION_TYPES[fmt], facts, identity)


def label_video(source: Path, destination: Path, *, facts: GenerationFacts, identity: SigningIdentity,
                parent: Path | None = None) -> Path:
    """Write the MP4 at `source` to `destination` with a signed C2PA manifest, read and
    written as streams. `parent` is the upload it was made from, recorded as the parent
    ingredient when C2PA can read its format (MP4, QuickTime; not WebM or Matroska).
    Returns `destination`; nothing is left there on failure."""
    from .video_labels import MP4, sniff_video

    parent_mime = None
    if parent is not None:
        with open(parent, "rb") as head:
            parent_mime = sniff_video(head.read(12))
    try:
        with open(source, "rb") as video, open(destination, "wb") as out:
            if parent_mime is not None and can_sign(parent_mime):
                with open(parent, "rb") as original:
                    sign_stream(video, out, MP4, facts, identity, parent=(parent_mime, original))
            else:
                sign_stream(video, out, MP4, facts, identity)
    except BaseException:
        Path(destination).unlink(missing_ok=True)
        raise
    return Path(destination)


def _pixels(source: np.ndarray | bytes | str | os.PathLike) -> np.ndarray:
    if isinstance(source, np.ndarray):
        return check_rgb(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            source = Path(source).read_bytes()
        except OSError as exc:
            raise LabellingError(f"cannot read the image to label: {exc}") from exc
    if isinstance(source, (bytes, bytearray, memoryview)):
        try:
            return decode_rgb(bytes(source))
        except (OSError, ValueError) as exc:
            raise LabellingError(f"cannot decode the image to label: {exc}") from exc
    raise LabellingError(f"cannot label a {type(source).__name__}; pass an RGB array, bytes or a path")
