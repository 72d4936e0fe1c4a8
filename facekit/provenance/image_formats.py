"""Encoding and decoding the three image formats SafeFace labels: PNG, JPEG and WebP.

Reading is defensive because /verify/ takes files from anyone: the format is sniffed from
the bytes, Pillow may only use the matching decoder, and the pixel count is checked from
the header before any pixel is decoded.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, PngImagePlugin

from .errors import LabellingError

PNG, JPEG, WEBP = "image/png", "image/jpeg", "image/webp"
SUPPORTED_MIME_TYPES = (PNG, JPEG, WEBP)
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}

#: Above this many pixels an image is not decoded at all (a decompression bomb guard).
MAX_DECODE_PIXELS = 50_000_000

JPEG_QUALITY = 95
WEBP_QUALITY = 92
# libwebp's effort, 0-6 (Pillow's default 4): on a 300 px face 2 encodes in half the time of
# 4 (5 against 11 ms) for a file 2 % larger; the face API encodes one per face and size.
WEBP_METHOD = 2
# zlib's effort for PNGs, 0-9 (Pillow's default 6): a 1024 px photoreal face takes a quarter
# of the time at 1 for a file about a tenth larger (bench/bench_provenance.py).
PNG_COMPRESSION = 1


def sniff_mime(data: bytes) -> str | None:
    """The MIME type of PNG, JPEG or WebP bytes, judged by their magic numbers; else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def open_image(data: bytes, mime: str) -> Image.Image:
    """Open (not decode) `data` with only the decoder for `mime`; refuses oversized images."""
    image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[mime]])
    width, height = image.size
    if width * height > MAX_DECODE_PIXELS:
        raise ValueError(f"image of {width}x{height} pixels is over the {MAX_DECODE_PIXELS} pixel limit")
    return image


def decode_rgb(data: bytes) -> np.ndarray:
    """Decode PNG/JPEG/WebP bytes into an HxWx3 uint8 RGB array (orientation not applied).

    Raises ValueError (or an OSError subclass from Pillow) when the bytes are not one of
    the three formats, are too large, or are corrupt.
    """
    mime = sniff_mime(data)
    if mime is None:
        raise ValueError("not a PNG, JPEG or WebP image")
    with open_image(data, mime) as image:
        image.load()
        return np.asarray(image.convert("RGB"))


def encode_rgb(rgb: np.ndarray, mime: str, *, xmp: str) -> bytes:
    """Encode an RGB array as `mime` with `xmp` embedded where each format keeps XMP.

    PNG: an uncompressed iTXt chunk `XML:com.adobe.xmp`; JPEG: the APP1 XMP segment;
    WebP: the `XMP ` chunk of the extended format.
    """
    if mime not in _PILLOW_FORMATS:
        raise LabellingError(f"cannot label {mime!r}; SafeFace labels {', '.join(SUPPORTED_MIME_TYPES)}")
    image = Image.fromarray(check_rgb(rgb), mode="RGB")
    out = io.BytesIO()
    if mime == PNG:
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp, lang="", tkey="", zip=False)
        image.save(out, "PNG", pnginfo=info, compress_level=PNG_COMPRESSION)
    elif mime == JPEG:
        image.save(out, "JPEG", quality=JPEG_QUALITY, xmp=xmp.encode("utf-8"))
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, xmp=xmp.encode("utf-8"))
    return out.getvalue()


def check_rgb(rgb: np.ndarray) -> np.ndarray:
    """Return `rgb` if it is an HxWx3 uint8 array, else raise LabellingError saying why."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        shape = getattr(rgb, "shape", None)
        dtype = getattr(rgb, "dtype", type(rgb).__name__)
        raise LabellingError(f"expected an HxWx3 uint8 RGB array, got shape {shape} dtype {dtype}")
    return rgb
