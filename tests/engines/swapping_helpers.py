"""Shared pieces of the swapping tests: photos, avatars, and measures of what a swap changed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from facekit.engines.types import Face

PHOTOS = Path(next(iter(importlib.util.find_spec("insightface").submodule_search_locations))) / "data" / "images"
# Where insightface's arcface template puts the 5 keypoints in a 112 px aligned crop.
ALIGNED_KEYPOINTS = np.array([[38.29, 51.70], [73.53, 51.50], [56.03, 71.74], [41.55, 92.37], [70.73, 92.20]],
                             np.float32)


def first_avatar_with_one_face(generator, analyser, seeds=range(1, 30), size: int = 64) -> np.ndarray:
    """The first DCGAN face (in seed order) in which the analyser finds exactly one face."""
    for seed in seeds:
        (image,) = generator.generate({}, [seed], size)
        if len(analyser.detect(image)) == 1:
            return image
    raise AssertionError("no DCGAN seed gave an avatar with one face")


def hull_mask(faces: list[Face], shape: tuple[int, ...], grow: int = 2) -> np.ndarray:
    """bool mask of the landmarks' convex hulls of `faces`, grown by `grow` pixels."""
    mask = np.zeros(shape[:2], np.uint8)
    for face in faces:
        hull = cv2.convexHull(np.round(face.landmarks[:, :2]).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 255)
    if grow:
        mask = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return mask > 0


def aligned_face(image: np.ndarray, face: Face, size: int = 112) -> np.ndarray:
    """Grey face aligned by its 5 keypoints onto the arcface template: the same features in
    the same place for any two faces, whatever their size or tilt."""
    matrix, _ = cv2.estimateAffinePartial2D(face.keypoints[:, :2], ALIGNED_KEYPOINTS * (size / 112))
    aligned = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_AREA)
    return cv2.cvtColor(aligned, cv2.COLOR_RGB2GRAY).astype(np.float32)


def structure_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Correlation of two aligned grey faces over the inner face (eyes, nose, mouth),
    blind to brightness and contrast: it measures features, not colour."""
    size = first.shape[0]
    inner = (slice(int(0.3 * size), int(0.9 * size)), slice(int(0.25 * size), int(0.75 * size)))
    a, b = first[inner].ravel(), second[inner].ravel()
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def box_crop(image: np.ndarray, face: Face) -> np.ndarray:
    x1, y1, x2, y2 = (int(round(value)) for value in face.box)
    return image[max(0, y1):y2, max(0, x1):x2]


def source_on_target(source, face: Face) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The source face warped onto the target face's landmarks the textbook way, one
    `cv2.warpAffine` per Delaunay triangle of the target (code independent of the swapper's),
    over the landmarks' box. Returns the warped RGB crop (float32) and the box (x0, y0, x1, y1)."""
    from scipy.spatial import Delaunay

    points = face.landmarks[::2, :2].astype(np.float32)  # every other landmark: plenty for a reference
    source_points = source.face.landmarks[::2, :2].astype(np.float32)
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 1
    local = (points - (x0, y0)).astype(np.float32)
    warped = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
    image = source.image.astype(np.float32)
    for triangle in Delaunay(local).simplices:
        corners = local[triangle]
        left, top, width, height = cv2.boundingRect(np.round(corners).astype(np.int32))
        matrix = cv2.getAffineTransform(source_points[triangle], (corners - (left, top)).astype(np.float32))
        mask = np.zeros((height, width), np.uint8)
        cv2.fillConvexPoly(mask, np.round(corners - (left, top)).astype(np.int32), 1)
        patch = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        target = warped[top:top + height, left:left + width]
        inside = mask[:target.shape[0], :target.shape[1]] > 0
        target[inside] = patch[:target.shape[0], :target.shape[1]][inside]
    return warped, (x0, y0, x1, y1)


def texture(rgb: np.ndarray, height: float) -> np.ndarray:
    """Band-pass lightness (difference of Gaussians scaled to the face): features and skin detail,
    without colour or slow lighting."""
    grey = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    fine, coarse = max(0.6, height / 120), max(2.0, height / 25)
    return cv2.GaussianBlur(grey, (0, 0), fine) - cv2.GaussianBlur(grey, (0, 0), coarse)


def inner_face(face: Face, box: tuple[int, int, int, int]) -> np.ndarray:
    """bool mask (over `box`) of the face well inside its landmarks' hull, mouth and eye openings
    left out (the swapper keeps the target's own there)."""
    from facekit.engines.swapping import regions

    x0, y0, x1, y1 = box
    points = np.round(face.landmarks[:, :2] - (x0, y0)).astype(np.int32)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points), 255)
    grow = max(3, int(face.height * 0.12))
    mask = cv2.erode(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    openings = np.zeros_like(mask)
    for opening in (regions.MOUTH_OPENING, regions.RIGHT_EYE, regions.LEFT_EYE):
        cv2.fillPoly(openings, [points[list(opening)]], 255)
    mask[cv2.dilate(openings, np.ones((7, 7), np.uint8)) > 0] = 0
    return mask > 0


def correlation(first: np.ndarray, second: np.ndarray) -> float:
    a, b = first - first.mean(), second - second.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def likeness(image: np.ndarray, face: Face, source) -> float:
    """How much the face in `image` shows the source's features where the swap puts them:
    correlation of its texture with that of the source warped onto it."""
    reference, box = source_on_target(source, face)
    x0, y0, x1, y1 = box
    mask = inner_face(face, box)
    crop = image[y0:y1, x0:x1].astype(np.float32)
    return correlation(texture(crop, face.height)[mask], texture(reference, face.height)[mask])


class Unchanged:
    """A swapper that changes nothing: what a broken swap would hand back."""

    name = "unchanged@0"
    driven_by = None

    def swap(self, sources, target_image, target_faces, *, memory=None):
        return target_image.copy()
