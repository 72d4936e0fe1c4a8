"""Simple, explainable measurements of a face picture.

Attribute-guided sampling (generation/guided.py) scores candidate faces with
these numbers. They are deliberately plain pixel and geometry measurements:
cheap enough to run on a few dozen candidates per avatar on a CPU, and easy to
reason about when a choice looks wrong. They are approximate: skin tone in
particular is measured from rendered pixels under the picture's own lighting,
not from a calibrated colour chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .types import Face
from .vocabulary import ATTRIBUTES, SKIN_TONES

# FaceMesh (468 points) indices, from the canonical face model's topology.
MESH_CHEEKS = (50, 101, 118, 205, 280, 330, 347, 425)
MESH_MOUTH_CORNERS = (61, 291)
MESH_INNER_LIPS = (13, 14)  # upper, lower
MESH_EYE_OUTER_CORNERS = (33, 263)
MESH_NOSE_TIP = 1
MESH_POINTS = 468


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB of an RGB uint8 image or pixel array: L* in 0..100, a*, b* about -128..127."""
    array = np.asarray(rgb, dtype=np.float32) / 255.0
    shape = array.shape
    lab = cv2.cvtColor(array.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB)
    return lab.reshape(shape)


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _monk_lightness_curve() -> tuple[np.ndarray, np.ndarray]:
    """(L*, Monk position) pairs, L* made strictly decreasing so the map is invertible.

    The published swatches are not perfectly monotonic in lightness (Monk 3 is
    yellower but a touch lighter than Monk 2); a running minimum fixes that.
    """
    attribute = ATTRIBUTES["skin_tone"]
    lightness = np.array(
        [to_lab(np.array([hex_to_rgb(attribute.value(key).swatch)], np.uint8))[0, 0] for key in SKIN_TONES]
    )
    monotonic = np.minimum.accumulate(lightness)
    monotonic = monotonic - np.arange(len(monotonic)) * 1e-3  # break ties
    positions = np.arange(1, len(SKIN_TONES) + 1, dtype=np.float64)
    return monotonic[::-1].copy(), positions[::-1].copy()  # ascending L* for np.interp


# Skin in a photograph reads darker than the reflectance swatch of the same skin:
# shading, and exposures kept below clipping. 0.75 puts the lightest cheeks the
# offline DCGAN renders (95th percentile L* about 68, measured over 300 seeds) at
# Monk 1-2 and its darkest (5th percentile, about 15) at Monk 10. Approximate by
# nature: a single factor cannot undo each picture's own lighting.
PHOTO_EXPOSURE = 0.75


def monk_position(lightness: float) -> float:
    """Map a photographed skin L* to a continuous Monk position (1 lightest .. 10 darkest)."""
    curve_l, curve_pos = _monk_lightness_curve()
    return float(np.interp(lightness, curve_l * PHOTO_EXPOSURE, curve_pos))


@dataclass(frozen=True)
class Measurements:
    """What guided sampling knows about one picture. Face fields are None without a face."""

    brightness: float  # mean L* of the whole picture
    background_lightness: float  # median L* of the side strips
    background_spread: float  # L* spread of the side strips: low for a plain backdrop
    skin_lightness: float | None = None
    skin_tone: float | None = None  # continuous Monk position
    smile: float | None = None  # mouth width over eye distance, plus corner lift
    mouth_open: float | None = None  # lip gap over eye distance
    yaw: float | None = None  # nose offset from the eye midpoint over eye distance; < 0: turned to viewer's left
    hair_lab: tuple[float, float, float] | None = None


def _patch_lightness(lab: np.ndarray, points: np.ndarray, radius: int) -> np.ndarray:
    height, width = lab.shape[:2]
    values = []
    for x, y in points:
        x0, x1 = int(round(x)) - radius, int(round(x)) + radius + 1
        y0, y1 = int(round(y)) - radius, int(round(y)) + radius + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if x1 > x0 and y1 > y0:
            values.append(lab[y0:y1, x0:x1, 0].ravel())
    return np.concatenate(values) if values else np.empty(0, np.float32)


def _has_mesh(face: Face) -> bool:
    return face.landmarks is not None and len(face.landmarks) >= MESH_POINTS


def _cheek_points(face: Face) -> np.ndarray:
    if _has_mesh(face):
        return np.asarray(face.landmarks, np.float32)[list(MESH_CHEEKS), :2]
    # Five keypoints only: a cheek sits about halfway between an eye and the
    # mouth corner below it, nudged outwards, away from the nose's shadow.
    kp = np.asarray(face.keypoints, np.float32)
    eye_distance = np.linalg.norm(kp[1] - kp[0])
    outwards = np.array([eye_distance * 0.12, 0], np.float32)
    right = kp[0] + 0.55 * (kp[3] - kp[0]) - outwards
    left = kp[1] + 0.55 * (kp[4] - kp[1]) + outwards
    return np.stack([right, left])


def _eye_distance(face: Face) -> float:
    if _has_mesh(face):
        a, b = np.asarray(face.landmarks, np.float32)[list(MESH_EYE_OUTER_CORNERS), :2]
        return float(np.linalg.norm(a - b)) * 0.7  # outer corners sit wider than the pupils
    kp = np.asarray(face.keypoints, np.float32)
    return float(np.linalg.norm(kp[1] - kp[0]))


def _skin_lightness(lab: np.ndarray, face: Face) -> float | None:
    radius = max(1, int(round(_eye_distance(face) * 0.08)))
    samples = _patch_lightness(lab, _cheek_points(face), radius)
    if samples.size < 4:
        return None
    # The middle half of the samples: specular highlights and shadowed pores drop out.
    low, high = np.percentile(samples, [25, 75])
    middle = samples[(samples >= low) & (samples <= high)]
    return float(np.mean(middle if middle.size else samples))


def _mouth(face: Face) -> tuple[float, float]:
    """(smile, mouth_open), both relative to the eye distance."""
    eye_distance = max(_eye_distance(face), 1e-6)
    if _has_mesh(face):
        mesh = np.asarray(face.landmarks, np.float32)[:, :2]
        corner_a, corner_b = mesh[list(MESH_MOUTH_CORNERS)]
        upper, lower = mesh[list(MESH_INNER_LIPS)]
        width = np.linalg.norm(corner_a - corner_b) / eye_distance
        # Smiling lifts the corners towards the upper lip's middle (image y grows
        # downwards); measured from the upper lip, so an open "O" mouth is no smile.
        lift = (upper[1] - (corner_a[1] + corner_b[1]) / 2) / eye_distance
        opening = np.linalg.norm(upper - lower) / eye_distance
        return float(width + 2.0 * lift), float(opening)
    kp = np.asarray(face.keypoints, np.float32)
    return float(np.linalg.norm(kp[3] - kp[4]) / eye_distance), 0.0


def _yaw(face: Face) -> float:
    kp = np.asarray(face.keypoints, np.float32)
    eye_mid = (kp[0] + kp[1]) / 2
    eye_distance = max(float(np.linalg.norm(kp[1] - kp[0])), 1e-6)
    return float((kp[2, 0] - eye_mid[0]) / eye_distance)


def _hair_lab(lab: np.ndarray, face: Face) -> tuple[float, float, float] | None:
    """Median colour of a band just above the face box, where hair usually is."""
    height, width = lab.shape[:2]
    x1, y1, x2, y2 = face.box
    box_h, box_w = y2 - y1, x2 - x1
    # Face boxes start around the eyebrows, so the band reaches a little into the box.
    top = int(max(0, y1 - 0.25 * box_h))
    bottom = int(min(height, y1 + 0.05 * box_h))
    left = int(max(0, x1 + 0.2 * box_w))
    right = int(min(width, x2 - 0.2 * box_w))
    if bottom - top < 2 or right - left < 2:
        return None
    region = lab[top:bottom, left:right].reshape(-1, 3)
    return tuple(float(v) for v in np.median(region, axis=0))  # type: ignore[return-value]


def _background(lab: np.ndarray) -> tuple[float, float]:
    """(median L*, L* spread) of the left and right strips of the upper picture.

    Portrait crops keep the face in the middle and shoulders at the bottom, so
    the upper side strips are the part most reliably showing background.
    """
    height, width = lab.shape[:2]
    strip = max(1, int(width * 0.1))
    upper = max(1, int(height * 0.6))
    values = np.concatenate([lab[:upper, :strip, 0].ravel(), lab[:upper, width - strip :, 0].ravel()])
    low, high = np.percentile(values, [10, 90])
    return float(np.median(values)), float(high - low)


def measure(image: np.ndarray, face: Face | None = None) -> Measurements:
    """Measure an RGB uint8 picture and, when given, the face found in it."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("measure() takes an RGB uint8 image of shape (height, width, 3).")
    if image.shape[0] < 4 or image.shape[1] < 4:
        raise ValueError(f"Image too small to measure: {image.shape[1]}x{image.shape[0]}.")
    lab = to_lab(image)
    background_lightness, background_spread = _background(lab)
    common = dict(
        brightness=float(lab[..., 0].mean()),
        background_lightness=background_lightness,
        background_spread=background_spread,
    )
    if face is None:
        return Measurements(**common)
    skin = _skin_lightness(lab, face)
    smile, mouth_open = _mouth(face)
    return Measurements(
        **common,
        skin_lightness=skin,
        skin_tone=None if skin is None else monk_position(skin),
        smile=smile,
        mouth_open=mouth_open,
        yaw=_yaw(face),
        hair_lab=_hair_lab(lab, face),
    )
