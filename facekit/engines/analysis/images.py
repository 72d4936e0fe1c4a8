"""Checking and decoding the images the analysers take: RGB uint8, height x width x 3."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np


def check_rgb_image(image: object) -> np.ndarray:
    """Return `image` as a contiguous RGB uint8 array, or raise ValueError saying what is wrong."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected an RGB image as a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (height, width, 3), got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image is empty (shape {image.shape})")
    return np.ascontiguousarray(image)


def decode_image(data: bytes) -> np.ndarray:
    """Decode JPEG/PNG/WebP bytes into an RGB uint8 array; ValueError when they are not an image."""
    if not data:
        raise ValueError("image data is empty (0 bytes)")
    decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError("could not decode the image data: not a JPEG/PNG/WebP image, or corrupt")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file into an RGB uint8 array; ValueError naming the file when it cannot be decoded."""
    path = Path(path)
    try:
        return decode_image(path.read_bytes())
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def rotate_quarter_turns(image: np.ndarray, turns: int) -> np.ndarray:
    """Rotate by `turns` x 90 degrees counter-clockwise (exact, no resampling)."""
    return np.ascontiguousarray(np.rot90(image, turns))


def points_from_quarter_turns(points: np.ndarray, turns: int, height: int, width: int) -> np.ndarray:
    """Map (x, y) points found in `rotate_quarter_turns(image, turns)` back to `image` (height x width)."""
    points = np.asarray(points, dtype=np.float32).copy()
    turns %= 4
    x, y = points[..., 0].copy(), points[..., 1].copy()
    # np.rot90 once (counter-clockwise): original (x, y) lands at (y, width - x).
    if turns == 1:
        points[..., 0], points[..., 1] = width - y, x
    elif turns == 2:
        points[..., 0], points[..., 1] = width - x, height - y
    elif turns == 3:
        points[..., 0], points[..., 1] = y, height - x
    return points


def save_image(image: np.ndarray, path: str | Path, prefix: str = ".safeface-") -> None:
    """Write an RGB image to a temporary name beside `path`, then move it in place: never a half file."""
    from PIL import Image

    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=path.suffix.lower() or ".png", dir=path.parent)
    os.close(handle)
    try:
        Image.fromarray(image).save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
