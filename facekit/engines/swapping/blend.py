"""Blending a warped, colour-matched face into the target: feathered masks and Poisson blending."""

from __future__ import annotations

import cv2
import numpy as np

# Poisson blending runs on the face scaled to at most this many pixels a side: its correction
# (the target-minus-source difference spread smoothly from the mask's edge) is a harmonic
# function, smooth by nature, so solving it small and scaling it up loses nothing visible.
POISSON_SIDE = 160


def ellipse(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def feathered_inside(mask: np.ndarray, radius: int) -> np.ndarray:
    """float32 alpha in [0, 1]: 1 deep inside the uint8 `mask`, falling to exactly 0 at its edge.

    The mask is eroded by `radius` and then blurred with a kernel of the same reach, so the
    alpha never spills outside the original mask: pixels outside stay untouched."""
    radius = max(1, int(radius))
    core = cv2.erode(mask, ellipse(radius))
    alpha = cv2.GaussianBlur(core.astype(np.float32) * (1.0 / 255.0), (2 * radius + 1, 2 * radius + 1), radius / 2)
    alpha[mask == 0] = 0.0
    return alpha


def feathered_outside(holes: np.ndarray, radius: int) -> np.ndarray:
    """float32 alpha that is exactly 0 inside the uint8 `holes` and rises to 1 just outside them."""
    alpha = np.ones(holes.shape, np.float32)
    x, y, width, height = cv2.boundingRect(holes)
    if not width:
        return alpha
    # Worked out around the holes only (eyes and mouth are small next to the face's crop).
    radius = max(1, int(radius))
    reach = 2 * radius + 2
    x0, y0 = max(0, x - reach), max(0, y - reach)
    x1, y1 = min(holes.shape[1], x + width + reach), min(holes.shape[0], y + height + reach)
    near = holes[y0:y1, x0:x1]
    grown = cv2.dilate(near, ellipse(radius))
    part = 1.0 - feathered_inside(grown, radius)
    part[near > 0] = 0.0
    alpha[y0:y1, x0:x1] = part
    return alpha


def poisson_blend(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`source` (uint8 RGB) Poisson-blended into `target` (same size) under the uint8 `mask`:
    source gradients inside, target colours at the mask's edge. Returns the blended source
    for the whole region (the caller decides where it shows)."""
    height, width = mask.shape
    scale = min(1.0, POISSON_SIDE / max(height, width))
    if scale < 1.0:
        size = (max(8, round(width * scale)), max(8, round(height * scale)))
        small_source = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
        small_target = cv2.resize(target, size, interpolation=cv2.INTER_AREA)
        small_mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
    else:
        small_source, small_target, small_mask = source, target, mask
    # seamlessClone needs the mask clear of the image border.
    small_mask = small_mask.copy()
    small_mask[[0, -1], :] = 0
    small_mask[:, [0, -1]] = 0
    x, y, box_width, box_height = cv2.boundingRect(small_mask)
    if box_width < 3 or box_height < 3:
        return source
    # Centred so the mask's bounding box lands exactly where it is (OpenCV places it by its centre).
    centre = (x + box_width // 2, y + box_height // 2)
    cloned = cv2.seamlessClone(small_source, small_target, small_mask, centre, cv2.NORMAL_CLONE)
    correction = cloned.astype(np.float32) - small_source.astype(np.float32)
    if scale < 1.0:
        correction = cv2.resize(correction, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(source.astype(np.float32) + correction + 0.5, 0, 255).astype(np.uint8)
