"""An invisible watermark carrying a 64-bit SafeFace payload (kind + row id + check bits).

The signal is invisible-watermark's `dwtDctSvd` method: a Haar DWT of the U (chroma)
channel, 4x4 blocks of its LL band, each block's largest singular value of the DCT
quantised to carry one bit, bits repeated over all blocks in raster order.

Measured on this project's 2-core machine (`bench/bench_provenance.py --robustness`
prints the dwtDctSvd table; the dwtDct figures come from the same pictures):

* The `dwtDct` method the issue named lost 13-16 of 64 bits on two of three test pictures
  (insightface's t1.jpg and a smooth synthetic one) through a *lossless* PNG round trip;
  `dwtDctSvd` lost none, so we use it (slower: one SVD per 4x4 block).
* Natural photos (t1.jpg, Tom_Hanks_54745.png, 256 to 1024 px): read back after PNG and
  JPEG quality 80, 90 and 95 every time; after WebP quality 90 in 4 of 6 cases.
* Pictures with strong colour noise (upscaled random noise) lose it to JPEG and WebP:
  their chroma is what the codecs subsample and quantise away.
* Never survives a resize (even 0.9x) or a crop of the top rows: the block grid moves.
  The issue accepts this ("best effort").
* Below 256x256 pixels JPEG round trips lose bits, so embed() refuses smaller images
  (invisible-watermark's own encoder has the same limit).

Payload, 64 bits, big-endian, XOR-ed with a fixed mask so that flat or blank images (which
decode to runs of equal bits) never look valid:

    magic (8) | kind code (4) | object id (36) | CRC-16/CCITT of the first 48 bits (16)

The decoder also tries flipping the two least certain bits (22 candidates in all); with 24
check bits a random image then passes with odds of about 22 / 2**24 ~= 1.3e-6.

invisible-watermark's package __init__ imports its RivaGAN module, which imports torch; the
web process must never import torch (tests/safeface/test_architecture.py), so the one
module we use is loaded from its file without running the package __init__.
"""

from __future__ import annotations

import binascii
import importlib.util
import itertools
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pywt

from .errors import WatermarkError
from .facts import Kind

logger = logging.getLogger(__name__)

PAYLOAD_BITS = 64
MIN_PIXELS = 256 * 256
MIN_SIDE = 128
MAX_OBJECT_ID = 2**36 - 1
#: Only the top rows covering about this many pixels carry/are read for the watermark,
#: which bounds the SVD work on large photos (the bits repeat in raster order, so the top
#: band holds every bit many times over).
BAND_PIXELS = 1024 * 1024

_MAGIC = 0x5F
_MASK = 0x9E3779B97F4A7C15  # any fixed mask with mixed bits; this one is the golden ratio
_SCALE = 36  # invisible-watermark's default strength for dwtDctSvd (PSNR ~40 dB here)
_BLOCK = 4
_UNCERTAIN_BITS = 6
_MAX_FLIPS = 2


@dataclass(frozen=True)
class WatermarkPayload:
    """What a SafeFace watermark says: which kind of object, and its id."""

    kind: Kind
    object_id: int

    @property
    def safeface_id(self) -> str:
        return f"{self.kind.value}:{self.object_id}"


def pack_payload(payload: WatermarkPayload) -> int:
    """The 64-bit integer embedded for `payload` (masked, with magic and CRC)."""
    if not 0 <= payload.object_id <= MAX_OBJECT_ID:
        raise WatermarkError(f"object id {payload.object_id} does not fit the watermark's 36 bits")
    head = (_MAGIC << 40) | (payload.kind.code << 36) | payload.object_id
    return ((head << 16) | _crc16(head)) ^ _MASK


def unpack_payload(value: int) -> WatermarkPayload | None:
    """The payload in a 64-bit integer, or None when its magic, CRC or kind is wrong."""
    value ^= _MASK
    head, crc = value >> 16, value & 0xFFFF
    if head >> 40 != _MAGIC or _crc16(head) != crc:
        return None
    kind = Kind.from_code((head >> 36) & 0xF)
    return WatermarkPayload(kind, head & MAX_OBJECT_ID) if kind else None


def fits(rgb: np.ndarray) -> bool:
    """Whether `rgb` is large enough to carry a watermark reliably."""
    height, width = rgb.shape[:2]
    return height * width >= MIN_PIXELS and min(height, width) >= MIN_SIDE


def embed(rgb: np.ndarray, payload: WatermarkPayload) -> np.ndarray:
    """Return a copy of the HxWx3 uint8 RGB array `rgb` carrying `payload`."""
    if not fits(rgb):
        raise WatermarkError(
            f"image of {rgb.shape[1]}x{rgb.shape[0]} is too small for a watermark"
            f" (needs {MIN_PIXELS} pixels and sides of {MIN_SIDE})"
        )
    bits = _to_bits(pack_payload(payload))
    out = rgb.copy()
    rows = _band_rows(rgb)
    yuv = cv2.cvtColor(np.ascontiguousarray(rgb[:rows, :, ::-1]), cv2.COLOR_BGR2YUV)
    cols = yuv.shape[1] // 4 * 4
    u = yuv[:, :cols, 1].astype(np.float64)
    ll, details = pywt.dwt2(u, "haar")
    _embedder(bits).encode_frame(ll, _SCALE)
    # invisible-watermark truncates here (float -> uint8); rounding and clipping avoids the
    # wrap-around of saturated chroma and keeps its own decoder able to read our marks.
    yuv[:, :cols, 1] = np.clip(np.rint(pywt.idwt2((ll, details), "haar")), 0, 255).astype(np.uint8)
    out[:rows] = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR)[:, :, ::-1]
    return out


def detect(rgb: np.ndarray) -> WatermarkPayload | None:
    """The SafeFace payload in an HxWx3 uint8 RGB array, or None if there is none."""
    if not fits(rgb):
        return None
    rows = _band_rows(rgb)
    yuv = cv2.cvtColor(np.ascontiguousarray(rgb[:rows, :, ::-1]), cv2.COLOR_BGR2YUV)
    cols = yuv.shape[1] // 4 * 4
    ll, _ = pywt.dwt2(yuv[:, :cols, 1].astype(np.float64), "haar")
    scores = _embedder([]).decode_frame(ll, _SCALE, [[] for _ in range(PAYLOAD_BITS)])
    confidence = np.array([np.mean(s) for s in scores])  # 0..1 per bit; 0.5 means unsure
    hard = [int(c > 0.5) for c in confidence]
    least_sure = np.argsort(np.abs(confidence - 0.5))[:_UNCERTAIN_BITS]
    for flips in range(_MAX_FLIPS + 1):
        for positions in itertools.combinations(least_sure, flips):
            bits = list(hard)
            for position in positions:
                bits[position] ^= 1
            payload = unpack_payload(_from_bits(bits))
            if payload is not None:
                if flips:
                    logger.debug("watermark read after correcting %d uncertain bit(s)", flips)
                return payload
    return None


def _band_rows(rgb: np.ndarray) -> int:
    height, width = rgb.shape[:2]
    # A multiple of 8 rows keeps the DWT and the 4x4 LL blocks aligned with the full image.
    rows = max(8, BAND_PIXELS // width // 8 * 8)
    return min(height // 8 * 8, rows)


def _to_bits(value: int) -> list[int]:
    return [(value >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)]


def _from_bits(bits: list[int]) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | bit
    return value


def _crc16(head: int) -> int:
    return binascii.crc_hqx(head.to_bytes(6, "big"), 0xFFFF)


def _embedder(bits: list[int]):
    return _dwt_dct_svd_class()(watermarks=bits, wmLen=PAYLOAD_BITS, scales=[0, _SCALE, 0], block=_BLOCK)


@cache
def _dwt_dct_svd_class():
    spec = importlib.util.find_spec("imwatermark")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise WatermarkError("invisible-watermark is not installed (pip install invisible-watermark --no-deps)")
    path = Path(spec.origin).with_name("dwtDctSvd.py")
    module_spec = importlib.util.spec_from_file_location("safeface_imwatermark_dwtdctsvd", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.EmbedDwtDctSvd
