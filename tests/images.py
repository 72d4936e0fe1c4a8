"""Pictures the tests store as they are, without SafeFace's labels."""

import io

from PIL import Image


def png_bytes(rgb) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()
