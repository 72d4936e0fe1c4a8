"""Files to upload: good ones made on the fly, and each kind of bad one."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from samples.clips import T1, clip_frames, write_clip  # noqa: F401  (T1: the tests' group photo)


def jpeg(width=320, height=240, colour=(200, 120, 90), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", **save)
    return out.getvalue()


def png(width=320, height=240) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (height, width, 3), dtype=np.uint8)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps_and_orientation() -> bytes:
    """A 320x240 JPEG whose EXIF says "rotate 90° clockwise" (orientation 6) and holds a GPS position."""
    image = Image.new("RGB", (320, 240), (10, 200, 30))
    image.paste((250, 0, 0), (0, 0, 40, 40))  # a red corner, to see where it ends up
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width=30000, height=30000) -> bytes:
    """A valid PNG header declaring width x height pixels, with a tiny compressed body:
    what a decompression bomb looks like before anyone decodes it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * (width * 3 + 1) * 8)  # a few rows; the rest "missing"
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def animated_gif() -> bytes:
    frames = [Image.new("P", (64, 64), i * 40) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def animated_png() -> bytes:
    frames = [Image.new("RGB", (64, 64), (i * 40, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
HLS_PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
CONCAT_SCRIPT = b"ffconcat version 1.0\nfile '/etc/passwd'\n"


def clip(path: Path, *, seconds=1.0, fps=10, width=160, height=120, audio="aac", **kwargs) -> Path:
    frames = clip_frames(width, height, max(1, round(seconds * fps)))
    return write_clip(path, frames, fps=fps, audio=audio, **kwargs)


def audio_only(path: Path) -> Path:
    """An MP4 holding a tone and no video stream."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100, layout="mono")
        samples = (np.sin(np.arange(44100) / 44100 * 2 * np.pi * 440) * 0.3).astype(np.float32)[None, :]
        for start in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + 1024]), format="fltp", layout="mono")
            frame.sample_rate = 44100
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
