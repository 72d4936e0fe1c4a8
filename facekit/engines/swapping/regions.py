"""Named parts of MediaPipe FaceMesh's 468 landmarks, and measures of pose and expression from them.

Indices are FaceMesh's (the person's right side first, seen on the viewer's left).
"""

from __future__ import annotations

import numpy as np

FACEMESH_POINTS = 468

# The opening between the eyelids, clockwise from the outer corner.
RIGHT_EYE = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
# Corners and mid-lid points of each eye: (outer, inner, upper, lower).
RIGHT_EYE_AXES = (33, 133, 159, 145)
LEFT_EYE_AXES = (263, 362, 386, 374)
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
# The inner edge of the lips: the mouth's opening.
MOUTH_OPENING = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
FOREHEAD_TOP, CHIN, NOSE_TIP = 10, 152, 1
# Points roughly in one plane across the front of the face (eye corners, mouth corners,
# brow middle, forehead, chin), to find where it faces; the eyes' outer corners and chin first and last.
FRONT_PLANE = (33, 263, 133, 362, 61, 291, 9, 10, 152)
# The points on the face's midline, forehead to chin. FaceMesh lists every other point of the
# person's right side below 248, in the order their mirror images on the left side take from
# 248 on (checked on the bundled photos: each point's mirror image, across the midline of the
# frontalised mesh, is its nearest counterpart).
MIDLINE = (0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 94, 151, 152, 164, 168, 175, 195, 197,
           199, 200)


def _mirror() -> np.ndarray:
    mirror = np.arange(FACEMESH_POINTS)
    right = [index for index in range(248) if index not in MIDLINE]
    left = range(248, FACEMESH_POINTS)
    mirror[right], mirror[list(left)] = left, right
    return mirror


# MIRROR[i]: the point at the mirror image of point i across the midline (itself on the midline).
MIRROR = _mirror()


def face_height(points: np.ndarray) -> float:
    """Forehead-to-chin distance: the face's scale, whatever its roll."""
    return float(np.linalg.norm(points[FOREHEAD_TOP] - points[CHIN])) or 1.0


def eye_openness(points: np.ndarray, axes: tuple[int, int, int, int]) -> float:
    """Lid gap over eye width: about 0.3 for an open eye, under 0.1 for a closed one."""
    outer, inner, upper, lower = (points[index] for index in axes)
    width = float(np.linalg.norm(outer - inner))
    return float(np.linalg.norm(upper - lower)) / width if width > 0 else 0.0


def eye_width(points: np.ndarray, axes: tuple[int, int, int, int]) -> float:
    """Corner-to-corner width relative to the face height: shrinks as the eye turns away."""
    return float(np.linalg.norm(points[axes[0]] - points[axes[1]])) / face_height(points)


def mouth_openness(points: np.ndarray) -> float:
    """Gap between the inner lips relative to the face height (closed mouths: under 0.02)."""
    return float(np.linalg.norm(points[UPPER_LIP_INNER] - points[LOWER_LIP_INNER])) / face_height(points)
