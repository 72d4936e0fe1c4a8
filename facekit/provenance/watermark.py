"""An invisible watermark carrying a 64-bit SafeFace payload (kind + row id + check bits)
that survives what sharing does: resizing, cropping, JPEG, colour changes, screenshots.

How it works (tiled spread spectrum in luma, read by correlation):

* The luma of the whole picture is resized to a 256 x 256 canvas (aspect ignored), so a
  resize of the picture changes nothing on the canvas. The mark is a 128 x 128 tile
  repeated over the canvas; its 64 x 64 cells (2 x 2 canvas pixels each) carry +-1 chips:
  1024 cells the pilot, 48 cells each of the 64 payload bits, spread at random (fixed for
  ever by SHA-256, below). The chips are scaled by the picture's local detail (flat skin gets
  about 1 grey level, texture up to 6) and by per-bit gains that cancel what the picture
  itself says about each bit (improved spread spectrum), the residual is resized to the
  picture's size and added to R, G and B alike (luma only), at most 3.2 grey levels RMS.
* Reading resizes the luma to the canvas again, keeps its detail (minus a local mean,
  locally normalised), and searches how much of the marked canvas it shows: a crop of l and
  r off the sides shows 1 - l - r of it, per axis. For each hypothesis (0.80 to 1.00 per
  axis in steps of 0.01 at half resolution, then the best six +-0.005 at full) the canvas is
  resampled and folded onto one tile, where a crop is a circular shift; the pilot's
  correlation (divided by the tile's own smoothed spectrum) gives the shift. The best
  pilot peaks are ranked again by the energy of the 64 bits read there, the bits at the
  winner are read by correlation, and the payload is accepted only if it passes the magic
  byte, the CRC and the kind.

Payload, 64 bits, big-endian, XOR-ed with a fixed mask so that flat or blank images (which
decode to runs of equal bits) never look valid:

    magic (8) | kind code (4) | object id (36) | CRC-16/CCITT of the first 48 bits (16)

False alarms: the search looks at 441 + 54 scale hypotheses and every shift of each, but
bits are decoded at one place only, chosen by the pilot and the bits' energy, never by the
payload's value, so their values are as good as random on an unmarked picture. There the
decoder tries the hard decisions and every flip of one or two of the 8 least certain bits:
37 candidates, each valid with odds 3 * 2**36 / 2**64 (3 kinds, any id) = 1.1e-8, so an
unmarked picture reads as marked with odds of at most 37 * 1.1e-8 = 4.1e-7.

What the mark survives (re-encoding, resizing, small crops, colour changes, screenshot-like
chains), its false positives, its PSNR and its cost are bench/bench_watermark.py's to print
(the README gives the figures); tests/provenance holds the main cases. A picture that is pure
texture at the mark's own scale can hide it: the RMS cap stops the embedder before it
outshouts the picture.

Pictures below 256 x 256 pixels (or with a side under 128) are refused by embed(): the
canvas would be larger than the picture and its 2-pixel cells would not survive. Reading tries pictures down to 96 pixels a side; a copy shrunk below about 200
keeps the mark through the resize alone, not through JPEG as well.
"""

from __future__ import annotations

import binascii
import hashlib
import itertools
import logging
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import scipy.fft

from .errors import WatermarkError
from .facts import Kind

logger = logging.getLogger(__name__)

PAYLOAD_BITS = 64
MIN_PIXELS = 256 * 256
MIN_SIDE = 128
MIN_READ_SIDE = 96
MAX_OBJECT_ID = 2**36 - 1

_MAGIC = 0x5F
_MASK = 0x9E3779B97F4A7C15  # any fixed mask with mixed bits; this one is the golden ratio

# The format: marks already made depend on these; change them only with a new magic.
CANVAS = 256  # the luma is resized to CANVAS x CANVAS to embed and to read
TILE = 128  # the mark's period on the canvas
CELL = 2  # canvas pixels per chip, per side
PILOT_CELLS = 1024  # of the tile's (TILE // CELL) ** 2 = 4096 cells; the rest carry the bits
CHIP_BLUR = 0.6  # canvas pixels: softens the cells' edges (a codec would drop them anyway)
_LAYOUT_LABEL = b"safeface-watermark-v2"

# Strength: free to tune, the reader does not depend on it. A chip's amplitude in grey
# levels grows with the local detail of the picture (its RMS in the mark's band).
AMP_FLAT, AMP_SLOPE, AMP_MAX = 1.0, 0.6, 6.0
GAIN_MIN, GAIN_MAX = 0.3, 2.5  # per-bit gains of the informed embedding
MAX_RMS = 3.2  # grey levels of the whole residual: PSNR 38 dB at worst, on busy pictures

# Reading.
HP_SIGMA = 3.0  # canvas pixels: the picture's content smoother than this is removed
NORM_SIGMA = 8.0  # the detail is divided by its local RMS over about this radius
WHITEN_LAG, WHITEN_FLOOR = 3.0, 0.05  # smoothing of the tile's power spectrum
PILOT_POWER, BITS_POWER = 1.0, 0.5  # how far the pilot's and the bits' correlations whiten
COARSE_SCALES = tuple(round(0.80 + 0.01 * i, 2) for i in range(21))  # crops up to 20 % per axis
FINE_STEP = 0.005
REFINED = 6  # coarse hypotheses looked at closely
PEAKS = 3  # pilot peaks kept per close hypothesis
CANDIDATES = 24  # of those, the best by the pilot, ranked again by the bits' energy
UNCERTAIN_BITS, MAX_FLIPS = 8, 2  # 1 + 8 + 28 = 37 payloads tried
BAND_PIXELS = 1 << 22  # embedding works on bands of rows of about this many pixels


@dataclass(frozen=True)
class WatermarkPayload:
    """What a SafeFace watermark says: which kind of object, and its id."""

    kind: Kind
    object_id: int

    @property
    def safeface_id(self) -> str:
        return f"{self.kind.value}:{self.object_id}"


@dataclass(frozen=True)
class Reading:
    """What the reader found (tests and benchmarks look inside): the payload or None, the
    pilot's peak and the bits' energy there (z-scores), and the share of the marked canvas
    per axis the picture was taken to show."""

    payload: WatermarkPayload | None
    pilot_z: float
    bits_z: float
    shares: tuple[float, float]


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
    signs = np.where(np.array(_to_bits(pack_payload(payload))) > 0, 1.0, -1.0)
    canvas = _canvas(rgb)
    amplitude = _amplitude(canvas)
    gains = _informed_gains(canvas, amplitude, signs)
    residual = amplitude * _tiled(_tile(signs * gains))
    rms = float(np.sqrt(np.mean(residual**2)))
    if rms > MAX_RMS:
        residual *= MAX_RMS / rms
    return _add_to_luma(np.ascontiguousarray(rgb), residual)


def detect(rgb: np.ndarray) -> WatermarkPayload | None:
    """The SafeFace payload in an HxWx3 uint8 RGB array, or None if there is none."""
    reading = read(rgb)
    return reading.payload if reading else None


def read(rgb: np.ndarray) -> Reading | None:
    """What the reader finds in an HxWx3 uint8 RGB array; None when it cannot look (too
    small, or flat)."""
    if min(rgb.shape[:2]) < MIN_READ_SIDE:
        return None
    prepared = _prepare(_canvas(rgb))
    if prepared is None:
        return None
    layout = _layout()
    # Coarse: every hypothesis at half resolution, the pilot only.
    coarse = _Search(cv2.resize(prepared, (CANVAS // 2, CANVAS // 2), interpolation=cv2.INTER_AREA), layout.half_pilot)
    n = len(COARSE_SCALES)
    z = coarse.peak_z(coarse.fold_grid(COARSE_SCALES).reshape(n * n, TILE // 2, TILE // 2))
    # Close: the best coarse hypotheses and their neighbours at full resolution.
    fine = _Search(prepared, layout.pilot)
    shares = sorted({(round(COARSE_SCALES[i % n] + dx, 4), round(COARSE_SCALES[i // n] + dy, 4))
                     for i in np.argsort(z)[::-1][:REFINED]
                     for dx in (-FINE_STEP, 0, FINE_STEP) for dy in (-FINE_STEP, 0, FINE_STEP)})
    spectra = scipy.fft.rfft2(np.stack([fine.fold(fx, fy) for fx, fy in shares]))
    corr = fine.correlations(spectra)
    # The pilot's best peaks, ranked again by how much the bits read there agree with
    # themselves: on busy pictures the bits (which cancel the picture's say when embedded)
    # place the mark better than the pilot alone.
    peaks = sorted(((corr[i].flat[j], i, j) for i in range(len(shares)) for j in _top_peaks(corr[i], PEAKS)),
                   reverse=True)[:CANDIDATES]
    best = None
    for pilot_z, i, j in peaks:
        soft, bits_z = fine.bits(spectra[i], corr[i], np.unravel_index(j, corr[i].shape), layout.bit_refs)
        if best is None or pilot_z + bits_z > best[0] + best[1]:
            best = (float(pilot_z), bits_z, shares[i], soft)
    pilot_z, bits_z, share, soft = best
    return Reading(_decode(soft), pilot_z, bits_z, share)


# --- embedding --------------------------------------------------------------------------


def _amplitude(canvas: np.ndarray) -> np.ndarray:
    """Grey levels a chip may have at each canvas pixel: more where detail hides it."""
    detail = canvas - cv2.GaussianBlur(canvas, (0, 0), 1.5)
    activity = np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), 4.0))
    return np.minimum(AMP_FLAT + AMP_SLOPE * activity, AMP_MAX)


def _informed_gains(canvas: np.ndarray, amplitude: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Per-bit gains that cancel what the picture itself says about each bit as the reader
    sees it (improved spread spectrum): a bit the picture argues against gets more strength,
    one it already agrees with gets less."""
    refs = _layout().bit_refs
    plain = _prepare(canvas)
    if plain is None:
        return np.ones(PAYLOAD_BITS)
    host = refs @ _fold(plain).ravel()
    marked = _prepare(canvas + amplitude * _tiled(_tile(signs)))
    response = np.maximum(signs * (refs @ _fold(marked).ravel() - host), 1e-6)
    return np.clip(1 - signs * host / response, GAIN_MIN, GAIN_MAX)


def _add_to_luma(rgb: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """`rgb` plus the canvas-sized `residual` resized to it (as cv2.resize's bilinear would,
    one band of rows at a time so that 40-megapixel photos stay cheap). The same change on
    R, G and B changes luma by that much and leaves chroma alone."""
    height, width = rgb.shape[:2]
    out = np.empty_like(rgb)
    sx, sy = CANVAS / width, CANVAS / height
    rows = max(1, BAND_PIXELS // width)
    for top in range(0, height, rows):
        band = min(rows, height - top)
        to_canvas = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, (top + 0.5) * sy - 0.5]])
        change = cv2.warpAffine(residual, to_canvas, (width, band), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE)
        out[top:top + band] = cv2.add(rgb[top:top + band], cv2.merge([change, change, change]), dtype=cv2.CV_8U)
    return out


# --- reading ----------------------------------------------------------------------------


def _canvas(rgb: np.ndarray) -> np.ndarray:
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    shrink = luma.shape[0] >= CANVAS and luma.shape[1] >= CANVAS
    canvas = cv2.resize(luma, (CANVAS, CANVAS), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return canvas.astype(np.float32)


def _prepare(canvas: np.ndarray) -> np.ndarray | None:
    """The canvas's detail, locally normalised; None when it has none (flat)."""
    detail = canvas - cv2.GaussianBlur(canvas, (0, 0), HP_SIGMA)
    energy = cv2.GaussianBlur(detail * detail, (0, 0), NORM_SIGMA)
    if float(np.mean(energy)) < 1e-4:
        return None
    return detail / (np.sqrt(energy) + 1.0)


class _Search:
    """The pilot's correlation with a prepared canvas under hypotheses of how much of the
    marked canvas it shows: fx, fy, a crop's kept share of each axis. Resampling the canvas
    back to the marked scale and folding it onto one tile is one linear map per axis."""

    def __init__(self, prepared: np.ndarray, pilot: np.ndarray):
        self.prepared, self.tile, self.size = prepared.astype(np.float32), pilot.shape[0], prepared.shape[0]
        self._by_x: dict[float, np.ndarray] = {}
        # One estimate of the picture's spectrum for every hypothesis: a few per cent of
        # scale hardly change it.
        self.power = _smooth_power(scipy.fft.rfft2(self.fold(1.0, 1.0)), self.tile)
        self.filter = (np.conj(np.fft.rfft2(pilot)) / self.power**PILOT_POWER).astype(np.complex64)

    def fold(self, fx: float, fy: float) -> np.ndarray:
        if fx not in self._by_x:
            self._by_x[fx] = self.prepared @ _fold_matrix(fx, self.size, self.tile).T
        return _fold_matrix(fy, self.size, self.tile) @ self._by_x[fx]

    def fold_grid(self, shares: tuple[float, ...]) -> np.ndarray:
        """Folded tiles for every (fy, fx) in shares x shares: (len, len, tile, tile)."""
        maps = np.concatenate([_fold_matrix(f, self.size, self.tile) for f in shares])
        n, t = len(shares), self.tile
        return (maps @ self.prepared @ maps.T).reshape(n, t, n, t).transpose(0, 2, 1, 3)

    def correlations(self, spectra: np.ndarray) -> np.ndarray:
        """The pilot's correlation at every shift, in standard deviations."""
        corr = scipy.fft.irfft2(spectra * self.filter, s=(self.tile, self.tile))
        flat = corr.reshape(len(corr), -1)
        return (corr - flat.mean(axis=1)[:, None, None]) / (flat.std(axis=1)[:, None, None] + 1e-12)

    def peak_z(self, folded: np.ndarray) -> np.ndarray:
        return self.correlations(scipy.fft.rfft2(folded)).reshape(len(folded), -1).max(axis=1)

    def bits(self, spectrum: np.ndarray, corr: np.ndarray, peak: tuple[int, int], refs: np.ndarray):
        """The bits' soft values with the tile whitened and shifted onto the pilot's `peak`
        (to a fraction of a pixel), and their energy as a z-score (chi-square, 64 degrees)."""
        shift = _subpixel(corr, peak)
        ky = np.fft.fftfreq(self.tile)[:, None]
        kx = np.fft.rfftfreq(self.tile)[None, :]
        phase = np.exp(2j * np.pi * (ky * shift[0] + kx * shift[1]))
        aligned = scipy.fft.irfft2(spectrum / self.power**BITS_POWER * phase, s=(self.tile, self.tile))
        soft = refs @ aligned.ravel()
        energy = float(np.sum(soft**2)) / (float(np.var(aligned)) * _ref_energy() + 1e-12)
        return soft, (energy - PAYLOAD_BITS) / np.sqrt(2 * PAYLOAD_BITS)


@cache
def _fold_matrix(share: float, size: int, tile: int) -> np.ndarray:
    """(tile, size): a line of `size` pixels that shows `share` of the marked line, resampled
    back to the marked scale (bilinear, cv2.resize's pixel centres) and folded modulo `tile`."""
    out = np.arange(int(np.ceil(size * share)))
    source = (out + 0.5) / share - 0.5
    low = np.floor(source).astype(int)
    weight = (source - low).astype(np.float32)
    matrix = np.zeros((tile, size), np.float32)
    for index, w in ((low, 1 - weight), (low + 1, weight)):
        np.add.at(matrix, (out % tile, np.clip(index, 0, size - 1)), w)
    return matrix


def _fold(image: np.ndarray, tile: int = TILE) -> np.ndarray:
    """The sum of `image`'s tile-sized pieces (the last ones padded with zeros)."""
    rows, cols = image.shape
    padded = np.pad(image, ((0, -rows % tile), (0, -cols % tile)))
    return padded.reshape(padded.shape[0] // tile, tile, padded.shape[1] // tile, tile).sum(axis=(0, 2))


def _smooth_power(spectrum: np.ndarray, tile: int) -> np.ndarray:
    """A smooth estimate of a folded tile's power spectrum (mostly the picture's), to divide
    by: the matched filter for a mark in coloured noise."""
    lag = scipy.fft.irfft2(np.abs(spectrum) ** 2, s=(tile, tile)) * _lag_window(tile)
    smooth = np.maximum(scipy.fft.rfft2(lag).real, 1e-9)
    return smooth + WHITEN_FLOOR * smooth.mean()


@cache
def _lag_window(tile: int) -> np.ndarray:
    lags = np.minimum(np.arange(tile), tile - np.arange(tile))
    window = np.exp(-0.5 * (lags / WHITEN_LAG) ** 2)
    return np.outer(window, window)


def _top_peaks(corr: np.ndarray, count: int) -> list[int]:
    """Flat indices of the `count` highest separate peaks of a circular correlation."""
    found, work = [], corr.copy()
    rows, cols = work.shape
    for _ in range(count):
        index = int(np.argmax(work))
        found.append(index)
        row, col = divmod(index, cols)
        work[np.ix_(np.arange(row - 3, row + 4) % rows, np.arange(col - 3, col + 4) % cols)] = -np.inf
    return found


def _subpixel(corr: np.ndarray, peak: tuple[int, int]) -> tuple[float, float]:
    """The peak's position refined by a parabola through it and its neighbours, per axis."""
    refined = []
    for axis, at in enumerate(peak):
        before, after = list(peak), list(peak)
        before[axis], after[axis] = (at - 1) % corr.shape[axis], (at + 1) % corr.shape[axis]
        a, b, c = corr[tuple(before)], corr[peak], corr[tuple(after)]
        curvature = a - 2 * b + c
        refined.append(at + (0.5 * (a - c) / curvature if curvature < 0 else 0.0))
    return refined[0], refined[1]


def _decode(soft: np.ndarray) -> WatermarkPayload | None:
    """The payload of the hard decisions, or of the first that passes among those with one or
    two of the least certain bits flipped (Chase decoding); None if none does."""
    hard = [int(s > 0) for s in soft]
    least_sure = np.argsort(np.abs(soft))[:UNCERTAIN_BITS]
    for flips in range(MAX_FLIPS + 1):
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


# --- the mark ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    owner: np.ndarray  # per cell: -1 pilot, else the bit it carries
    chips: np.ndarray  # per cell: +1 or -1
    pilot: np.ndarray  # the pilot tile as the reader sees it (blurred, detail only)
    half_pilot: np.ndarray  # the same at half resolution
    bit_refs: np.ndarray  # (64, TILE * TILE): each bit's chips as the reader sees them


@cache
def _layout() -> _Layout:
    side = TILE // CELL
    cells = side * side
    order = np.argsort(np.frombuffer(_stream(b"order", 4 * cells), ">u4"), kind="stable")
    owner = np.full(cells, -1, np.int16)  # cells left over (none with these sizes) join the pilot
    per_bit = (cells - PILOT_CELLS) // PAYLOAD_BITS
    for bit in range(PAYLOAD_BITS):
        owner[order[PILOT_CELLS + bit * per_bit:PILOT_CELLS + (bit + 1) * per_bit]] = bit
    chips = np.unpackbits(np.frombuffer(_stream(b"chips", cells // 8), np.uint8)).astype(np.float64) * 2 - 1
    owner, chips = owner.reshape(side, side), chips.reshape(side, side)
    seen = _transfer(CHIP_BLUR) * (1 - _transfer(HP_SIGMA))  # what embedding blurs, reading removes
    pilot = _filtered(_cells_to_pixels(np.where(owner == -1, chips, 0)), seen)
    refs = np.stack([_filtered(_cells_to_pixels(np.where(owner == bit, chips, 0)), seen).ravel()
                     for bit in range(PAYLOAD_BITS)])
    half = cv2.resize(pilot.astype(np.float32), (TILE // 2, TILE // 2), interpolation=cv2.INTER_AREA)
    return _Layout(owner, chips, pilot, half.astype(np.float64), refs.astype(np.float32))


@cache
def _ref_energy() -> float:
    return float(np.mean(np.sum(_layout().bit_refs.astype(np.float64) ** 2, axis=1)))


def _tile(values: np.ndarray) -> np.ndarray:
    """One period of the mark: the pilot's chips, and each bit's chips times `values[bit]`."""
    layout = _layout()
    weights = np.where(layout.owner == -1, 1.0, values[np.maximum(layout.owner, 0)])
    return _filtered(_cells_to_pixels(layout.chips * weights), _transfer(CHIP_BLUR))


def _tiled(tile: np.ndarray) -> np.ndarray:
    repeats = -(-CANVAS // TILE)
    return np.tile(tile, (repeats, repeats))[:CANVAS, :CANVAS].astype(np.float32)


def _cells_to_pixels(cells: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(cells, CELL, axis=0), CELL, axis=1).astype(np.float64)


def _transfer(sigma: float) -> np.ndarray:
    """A Gaussian blur of `sigma` pixels as a periodic filter on the tile (rfft2 layout)."""
    ky = np.fft.fftfreq(TILE)[:, None]
    kx = np.fft.rfftfreq(TILE)[None, :]
    return np.exp(-2 * (np.pi * sigma) ** 2 * (ky**2 + kx**2))


def _filtered(tile: np.ndarray, transfer: np.ndarray) -> np.ndarray:
    return np.fft.irfft2(np.fft.rfft2(tile) * transfer, s=tile.shape)


def _stream(label: bytes, size: int) -> bytes:
    """`size` pseudo-random bytes fixed for ever by `label` (SHA-256 in counter mode; numpy's
    generators promise no stream stays the same across versions)."""
    blocks = (hashlib.sha256(_LAYOUT_LABEL + label + counter.to_bytes(4, "big")).digest()
              for counter in range(-(-size // 32)))
    return b"".join(blocks)[:size]


def _to_bits(value: int) -> list[int]:
    return [(value >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)]


def _from_bits(bits: list[int]) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | bit
    return value


def _crc16(head: int) -> int:
    return binascii.crc_hqx(head.to_bytes(6, "big"), 0xFFFF)
