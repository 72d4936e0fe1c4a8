"""Label a file SafeFace made: invisible watermark, then XMP, then the C2PA manifest.

The order matters. The watermark changes pixels, so it comes before encoding; XMP is
written by the encoder; C2PA signs last so its hash covers the pixels and the XMP alike.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from . import watermark
from .errors import LabellingError
from .facts import GenerationFacts
from .image_files import SUPPORTED_MIME_TYPES, check_rgb, decode_rgb, encode_rgb
from .manifest import sign_image
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
