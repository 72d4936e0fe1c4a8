"""Change the pixels of a signed file while keeping its C2PA manifest in place."""

import struct
import zlib


def repaint_png_pixel(png: bytes) -> bytes:
    """Rewrite the IDAT data with one byte of one pixel changed; every other chunk kept."""
    chunks, position = [], 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunks.append((kind, png[position + 8 : position + 8 + length]))
        position += 12 + length
    raw = bytearray(zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT")))
    raw[100] ^= 0x40  # inside the first scanline's pixels (byte 0 is the filter type)
    out, idat_written = [png[:8]], False
    for kind, data in chunks:
        if kind == b"IDAT":
            if idat_written:
                continue
            kind, data, idat_written = b"IDAT", zlib.compress(bytes(raw)), True
        out.append(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))
    return b"".join(out)


def flip_jpeg_scan_byte(jpeg: bytes) -> bytes:
    """Flip one bit in the entropy-coded scan data, away from any 0xFF marker byte."""
    start = jpeg.rindex(b"\xff\xda")  # the (last) start-of-scan marker
    position = start + (len(jpeg) - start) // 2
    while 0xFF in jpeg[position - 1 : position + 2]:
        position += 1
    data = bytearray(jpeg)
    data[position] ^= 0x01
    return bytes(data)
