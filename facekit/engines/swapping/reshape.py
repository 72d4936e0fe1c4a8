"""Moving identity, not only skin: the source's face shape in the target's pose and expression.

A face keeps its owner through its shape as much as its skin: the proportions of eyes, brows,
nose, mouth, cheeks and jaw outline. A swap that paints the source's skin inside the target's
own landmarks keeps all of those (HifiFace, 2021, makes the same point about swaps driven by
the target's landmarks). Here the source's 3-D mesh is fitted to the target's by a similarity
(rotation, scale, shift: the target's head pose), then the target's expression is put back
where it lives: its mouth and eyelids keep their own shape, moved and sized to the source's
mouth and eyes, and the displacement that makes spreads smoothly to the points around them
(an open mouth lowers the chin). The ring of the target image around the face is then warped
so the target's own outline moves to the new one: no seam, double chin or ghost edge.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import regions
from .warp import label_triangles, triangle_affines, triangulate, warp_maps

# The face's outline, clockwise from the top of the forehead (FaceMesh's face oval).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176,
             149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185,
        78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
RIGHT_LIDS = regions.RIGHT_EYE + (246, 161, 160, 159, 158, 157, 173, 247, 30, 29, 27, 28, 56, 190, 130, 25, 110, 24, 23,
                                  22, 26, 112, 243)
LEFT_LIDS = regions.LEFT_EYE + (466, 388, 387, 386, 385, 384, 398, 467, 260, 259, 257, 258, 286, 414, 359, 255, 339, 254,
                                253, 252, 256, 341, 463)
# How far the displacement of the mouth and eyes (their expression put back) reaches into the
# points around them, as a fraction of the face height (a Gaussian's sigma).
EXPRESSION_REACH = 0.08
# The ring of the target image warped around the face: from the outline out to this fraction
# of the outline's distance from the face's centre beyond it; outside it nothing moves.
RING = 0.45


def _similarity(source: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Umeyama's least-squares similarity (scale, rotation, shift) taking `source` onto `target`
    (both (N, D)); reflections are excluded."""
    mean_source, mean_target = source.mean(axis=0), target.mean(axis=0)
    a, b = source - mean_source, target - mean_target
    u, singular, vt = np.linalg.svd(b.T @ a / len(source))
    sign = np.eye(source.shape[1])
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1, -1] = -1
    rotation = u @ sign @ vt
    variance = (a ** 2).sum() / len(source)
    scale = float((singular * np.diag(sign)).sum() / variance) if variance > 0 else 1.0
    return scale, rotation, mean_target - scale * rotation @ mean_source


def _apply(transform, points: np.ndarray) -> np.ndarray:
    scale, rotation, shift = transform
    return scale * points @ rotation.T + shift


def _opened_like(fitted: np.ndarray, target: np.ndarray, opening: tuple[int, ...], axes: tuple[int, int, int, int]) -> np.ndarray:
    """The source's eye opening (fitted to the target's pose), its lids parted as far as the
    target's are: the eye's shape stays the source's, the blink or squint the target's."""
    points = fitted[list(opening)]
    outer, inner = fitted[axes[0]], fitted[axes[1]]
    middle, along = (outer + inner) / 2, (inner - outer) / (np.linalg.norm(inner - outer) + 1e-9)
    ratio = regions.eye_openness(target[:, :2], axes) / max(regions.eye_openness(fitted[:, :2], axes), 1e-3)
    ratio = float(np.clip(ratio, 0.05, 3.0))
    offsets = points - middle
    lengthwise = (offsets @ along)[:, None] * along
    return middle + lengthwise + (offsets - lengthwise) * ratio


def identity_shape(target: np.ndarray, source: np.ndarray, strength: float = 1.0, *,
                   eye_shape: str = "target") -> np.ndarray:
    """(N, 3) landmarks: the source's face shape in the target's pose, with the target's
    mouth and eyelid shapes (its expression, blinks) kept at the source's mouth and eyes.

    `strength` 0 gives the target's own landmarks, 1 the source's shape in full.
    `eye_shape="source"` keeps the source's eye openings too, parted as far as the target's.
    """
    target, source = np.asarray(target, np.float64), np.asarray(source, np.float64)
    if target.shape[1] < 3 or not np.any(target[:, 2]) or not np.any(source[:, 2]):
        target, source = target[:, :2], source[:, :2]
    fitted = _apply(_similarity(source, target), source)  # the source's shape, posed like the target
    shaped = fitted.copy()
    moved = np.zeros(len(target), bool)
    for part, resize in ((LIPS, False), (RIGHT_LIDS, True), (LEFT_LIDS, True)):
        part = list(part)
        # The target's own eye moved and sized onto the source's; its mouth moved there at its
        # own size, for a smile's width is expression (sized to a closed source mouth, smiles
        # came out pursed).
        scale, rotation, shift = _similarity(target[part], fitted[part])
        if not resize:
            centre = fitted[part].mean(axis=0)
            scale, shift = 1.0, centre - rotation @ target[part].mean(axis=0)
        shaped[part] = _apply((scale, rotation, shift), target[part])
        moved[part] = True
    if eye_shape == "source":
        for opening, axes, lids in ((regions.RIGHT_EYE, regions.RIGHT_EYE_AXES, RIGHT_LIDS),
                                    (regions.LEFT_EYE, regions.LEFT_EYE_AXES, LEFT_LIDS)):
            shaped[list(lids)] = fitted[list(lids)]
            shaped[list(opening)] = _opened_like(fitted, target, opening, axes)
    # The expression's displacement spreads smoothly to the points around the mouth and eyes.
    offsets = shaped[moved] - fitted[moved]
    height = regions.face_height(fitted[:, :2])
    sigma = EXPRESSION_REACH * height
    distance = np.linalg.norm(fitted[~moved, None, :2] - fitted[None, moved, :2], axis=2)
    weights = np.exp(-0.5 * (distance / sigma) ** 2)
    # A point far from every moved one keeps the fitted shape (the "1" is the weight of no offset).
    shaped[~moved] += weights @ offsets / (weights.sum(axis=1, keepdims=True) + 1.0)
    result = target + strength * (shaped - target)
    return result if result.shape[1] == 3 else np.hstack([result, np.zeros((len(result), 1))])


def warp_surroundings(crop: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
    """Warp `crop` (uint8, in place) so what lay at the `old` landmarks (N, 2, in the crop's
    pixels) lies at the `new` ones, fading to no movement across a ring around the face's
    outline. Pixels beyond the ring are untouched; inside the face the swap paints anyway."""
    old, new = np.asarray(old, np.float64)[:, :2], np.asarray(new, np.float64)[:, :2]
    oval = list(FACE_OVAL)
    centre = old[oval].mean(axis=0)
    outer = centre + (old[oval] - centre) * (1.0 + RING)
    height, width = crop.shape[:2]
    corners = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float64)
    # The outline moves; the ring's outer edge and the crop's corners stay.
    keep = np.array(sorted(set(oval) | set(LIPS) | set(regions.RIGHT_EYE) | set(regions.LEFT_EYE)
                           | set(regions.MIDLINE)))
    before = np.vstack([old[keep], outer, corners])
    after = np.vstack([new[keep], outer, corners])
    triangles = triangulate(before)
    # Only triangles that touch the face move: the rest map onto themselves.
    labels = label_triangles(after, triangles, (height, width))
    inside = labels >= 0
    if not inside.any():
        return
    map_x, map_y = warp_maps(labels, triangle_affines(before, after, triangles))
    warped = cv2.remap(crop, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    crop[inside] = warped[inside]
