"""/swaps/new keeps a photo's tones whatever Pillow decodes it to: a grey ramp from black to
white is stored as the same ramp (a 16-bit greyscale PNG was once stored all white)."""

import io
import struct
import zlib

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from swaps.models import Target
from swaps.uploads import UploadRefused, to_srgb

pytestmark = pytest.mark.django_db

WIDTH, HEIGHT = 96, 48
RAMP = np.tile(np.linspace(0.0, 1.0, WIDTH), (HEIGHT, 1))  # black on the left, white on the right


def grey(bits: int = 8) -> np.ndarray:
    dtype = np.uint8 if bits == 8 else np.uint16
    return np.rint(RAMP * (2**bits - 1)).astype(dtype)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_16_bit_rgb() -> bytes:
    """A 16-bit truecolour PNG written by hand (Pillow writes none): each sample big-endian."""
    samples = np.repeat(grey(16)[:, :, None], 3, axis=2).astype(">u2")
    rows = b"".join(b"\x00" + row.tobytes() for row in samples)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 16, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _l() -> Image.Image:
    return Image.fromarray(grey())


def _rgba() -> Image.Image:
    rgba = _l().convert("RGBA")
    rgba.putpixel((0, 0), (0, 0, 0, 128))  # one see-through pixel keeps it RGBA in WebP too
    return rgba


UPLOADS = {
    # name: (file name, bytes, the mode Pillow opens it in)
    "1": ("ramp.png", lambda: encode(_l().convert("1"), "PNG"), "1"),
    "L-png": ("ramp.png", lambda: encode(_l(), "PNG"), "L"),
    "L-jpeg": ("ramp.jpg", lambda: encode(_l(), "JPEG", quality=95), "L"),
    "LA": ("ramp.png", lambda: encode(_l().convert("LA"), "PNG"), "LA"),
    "P": ("ramp.png", lambda: encode(_l().convert("RGB").quantize(256), "PNG"), "P"),
    "I;16": ("portrait.png", lambda: encode(Image.fromarray(grey(16)), "PNG"), "I;16"),
    "RGB-16-bit": ("ramp.png", png_16_bit_rgb, "RGB"),
    "RGB-png": ("ramp.png", lambda: encode(_l().convert("RGB"), "PNG"), "RGB"),
    "RGB-jpeg": ("ramp.jpg", lambda: encode(_l().convert("RGB"), "JPEG", quality=95), "RGB"),
    "RGB-webp": ("ramp.webp", lambda: encode(_l().convert("RGB"), "WEBP", lossless=True), "RGB"),
    "RGBA-png": ("ramp.png", lambda: encode(_rgba(), "PNG"), "RGBA"),
    "RGBA-webp": ("ramp.webp", lambda: encode(_rgba(), "WEBP", lossless=True), "RGBA"),
    "CMYK": ("ramp.jpg", lambda: encode(_l().convert("CMYK"), "JPEG", quality=95), "CMYK"),
}


def assert_a_ramp(picture: Image.Image, tolerance: float = 4.0) -> None:
    """Black on the left, white on the right, evenly in between."""
    assert picture.size == (WIDTH, HEIGHT)
    columns = np.asarray(picture.convert("L"), dtype=float).mean(axis=0)
    assert abs(columns.mean() - 127.5) < tolerance, columns.mean()
    assert columns[:4].mean() < 12 and columns[-4:].mean() > 243, (columns[:4], columns[-4:])
    assert np.corrcoef(columns, RAMP[0])[0, 1] > 0.99


@pytest.mark.parametrize("case", list(UPLOADS))
def test_a_photo_keeps_its_tones_in_every_mode(alice_client, alices_avatar, no_queue, case):
    name, make, mode = UPLOADS[case]
    data = make()
    assert Image.open(io.BytesIO(data)).mode == mode  # the case tests what it says

    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    response = alice_client.post("/swaps/new/", {"avatar": alices_avatar.pk, "target": file})

    assert response.status_code == 302, response.content.decode()[-2000:]
    stored = Image.open(Target.objects.get().file)
    assert stored.mode == "RGB"
    assert_a_ramp(stored, tolerance=6.0 if mode == "1" else 4.0)  # "1" is dithered


@pytest.mark.parametrize("mode, values", [
    ("I", grey(16).astype(np.int32)),  # as older Pillows opened 16-bit PNGs
    ("I", grey(8).astype(np.int32)),  # 8-bit values in a 32-bit image
    ("I", (grey(16).astype(np.int32) - 40_000) * 3),  # no usual white: its own range
    ("F", RAMP.astype(np.float32)),  # 0 to 1
    ("F", (RAMP * 255).astype(np.float32)),
], ids=["I-16-bit", "I-8-bit", "I-own-range", "F-unit", "F-8-bit"])
def test_deep_images_made_in_memory_are_scaled_not_clipped(mode, values):
    image = Image.fromarray(values)
    assert image.mode == mode

    assert_a_ramp(to_srgb(image))


def test_ycbcr_keeps_its_tones():
    assert_a_ramp(to_srgb(_l().convert("RGB").convert("YCbCr")))


def test_a_colour_format_it_cannot_show_is_refused_with_a_clear_message():
    with pytest.raises(UploadRefused, match=r"colour format \(La\) is not supported"):
        to_srgb(Image.new("La", (WIDTH, HEIGHT)))  # premultiplied grey: Pillow cannot show it


def test_a_float_image_with_values_that_are_not_numbers_is_refused():
    values = RAMP.astype(np.float32)
    values[0, 0] = np.nan
    with pytest.raises(UploadRefused, match="not numbers"):
        to_srgb(Image.fromarray(values))
