"""Piecewise-affine warping along a landmark mesh: one remap for the whole face.

Every pixel of the target region is labelled with the mesh triangle that covers it
(triangles drawn far to near, so the nearer surface wins where a turned face folds
over itself); each triangle's affine map then gives the source position to sample,
and a single `cv2.remap` fetches all of them with cubic interpolation.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
from scipy.spatial import Delaunay

# Sub-pixel precision of the triangle rasteriser (fixed point, 2**SHIFT steps per pixel).
SHIFT = 4


def frontal_layout(points: np.ndarray, front: Sequence[int] | None = None) -> np.ndarray:
    """(N, 2) positions of 3-D landmarks seen from straight ahead, whatever the head's pose.

    `front` names landmarks that lie roughly in one plane facing forward (eye and mouth
    corners, forehead, chin): the normal of their best-fitting plane is where the face
    looks, and the points are projected along it, which undoes yaw and pitch (roll does
    not matter to a triangulation). The layout keeps the image's handedness (the first,
    second and last `front` points turn the same way in both).
    Without depth or `front`, the 2-D points are returned as they are.
    """
    points = np.asarray(points, np.float64)
    if front is None or points.shape[1] < 3 or not np.any(points[:, 2]):
        return points[:, :2].copy()
    anchors = points[list(front)]
    _, _, axes = np.linalg.svd(anchors - anchors.mean(axis=0), full_matrices=False)
    plane = axes[:2]  # the anchors' two widest directions span the face's front plane
    layout = (points - anchors.mean(axis=0)) @ plane.T
    # A face seen from any side is never mirrored: orient the layout like the image.
    reference = np.array([[front[0], front[1], front[-1]]])
    if signed_areas(layout, reference)[0] * signed_areas(points, reference)[0] < 0:
        layout[:, 0] *= -1
    return layout


def triangulate(points: np.ndarray) -> np.ndarray:
    """Delaunay triangles (M, 3) over 2-D points, counter-clockwise in image coordinates
    (positive signed area with y pointing down), slivers dropped. Pass a frontal layout:
    Delaunay on a turned face would join points across its hidden side."""
    points = np.asarray(points, np.float64)[:, :2]
    triangles = Delaunay(points).simplices.astype(np.int32)
    area = signed_areas(points, triangles)
    triangles[area < 0] = triangles[area < 0][:, ::-1]
    # Needle-thin triangles along the hull map nothing useful and fold at the slightest turn.
    keep = np.abs(area) > 1e-4 * np.ptp(points, axis=0).prod()
    return np.ascontiguousarray(triangles[keep])


def signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = (points[triangles[:, index], :2] for index in range(3))
    return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def shown_share(points: np.ndarray, layout: np.ndarray, triangles: np.ndarray) -> float:
    """The triangles' area at `points` over their area in the frontal `layout` (triangles
    counter-clockwise there, as `triangulate` gives them): about 1 for a surface facing the
    camera, towards 0 as it turns away (the far cheek of a turned head)."""
    frontal = float(np.abs(signed_areas(layout, triangles)).sum())
    facing = np.clip(signed_areas(points, triangles), 0, None)  # a hidden (flipped) triangle shows nothing
    return float(facing.sum()) / frontal if frontal > 0 else 0.0


def facing_triangles(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Triangles (counter-clockwise in the frontal layout) that face the camera at `points`:
    a flipped one lies on the far side of a turned head, hidden behind the near side."""
    return signed_areas(points, triangles) > 0


def label_triangles(target: np.ndarray, triangles: np.ndarray, shape: tuple[int, int],
                    depth: np.ndarray | None = None, facing: np.ndarray | None = None) -> np.ndarray:
    """An int32 image of `shape` (height, width) holding, per pixel, the index of the triangle
    that covers it, -1 where none does. `target` points are in this image's coordinates.

    Triangles are drawn far to near (by `depth`, larger is farther), those not `facing`
    the camera first of all, so wherever a turned face overlaps itself the near surface wins.
    """
    labels = np.full(shape, -1, np.int32)
    distance = np.zeros(len(triangles)) if depth is None else depth[triangles].mean(axis=1)
    if facing is not None:
        distance = np.where(facing, distance, np.inf)
    order = np.argsort(-distance, kind="stable")
    corners = np.round(target[:, :2] * (1 << SHIFT)).astype(np.int32)[triangles]
    for index in order:
        cv2.fillConvexPoly(labels, corners[index], int(index), lineType=cv2.LINE_8, shift=SHIFT)
    return labels


def triangle_affines(source: np.ndarray, target: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(M, 3, 2) matrices A with [x, y, 1] @ A = source position, for target (x, y) in each triangle."""
    ones = np.ones((len(triangles), 3, 1))
    target_corners = np.concatenate([target[triangles, :2].astype(np.float64), ones], axis=2)
    source_corners = source[triangles, :2].astype(np.float64)
    # Degenerate (zero-area) target triangles cover no pixel; give them any solvable system.
    singular = np.abs(np.linalg.det(target_corners)) < 1e-9
    target_corners[singular] = np.eye(3)
    return np.linalg.solve(target_corners, source_corners)


def warp_maps(labels: np.ndarray, affines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 remap maps for every labelled pixel (-1 elsewhere, which samples the border)."""
    height, width = labels.shape
    map_x = np.full((height, width), -1.0, np.float32)
    map_y = np.full((height, width), -1.0, np.float32)
    rows, columns = np.nonzero(labels >= 0)
    if rows.size:
        matrices = affines[labels[rows, columns]].astype(np.float32)
        x, y = columns.astype(np.float32), rows.astype(np.float32)
        map_x[rows, columns] = x * matrices[:, 0, 0] + y * matrices[:, 1, 0] + matrices[:, 2, 0]
        map_y[rows, columns] = x * matrices[:, 0, 1] + y * matrices[:, 1, 1] + matrices[:, 2, 1]
    return map_x, map_y
