"""Non-maximum suppression: plain (keep the best) and weighted (average each cluster)."""

from __future__ import annotations

import numpy as np


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one x1, y1, x2, y2 box with each row of `boxes`."""
    left_top = np.maximum(box[:2], boxes[:, :2])
    right_bottom = np.minimum(box[2:4], boxes[:, 2:4])
    overlap = np.clip(right_bottom - left_top, 0, None).prod(axis=1)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return overlap / np.maximum(area + areas - overlap, 1e-9)


def clusters(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Group boxes: each group is the best remaining box and every box overlapping it above `threshold`.

    Groups come best first; each holds indices into `boxes`, best first.
    """
    remaining = np.argsort(-scores, kind="stable")
    groups = []
    while remaining.size:
        overlaps = iou(boxes[remaining[0]], boxes[remaining])
        members = overlaps > threshold
        members[0] = True
        groups.append(remaining[members])
        remaining = remaining[~members]
    return groups


def plain_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Indices of the boxes kept by classic NMS, best first."""
    return [int(group[0]) for group in clusters(boxes, scores, threshold)]


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe-style blending: each cluster becomes the score-weighted mean of its boxes and keypoints.

    The blended detection keeps its best member's score; averaging many overlapping
    anchor predictions steadies the box far more than keeping only the top one.
    """
    kept_boxes, kept_keypoints, kept_scores = [], [], []
    for group in clusters(boxes, scores, threshold):
        weights = scores[group] / scores[group].sum()
        kept_boxes.append((boxes[group] * weights[:, None]).sum(axis=0))
        kept_keypoints.append((keypoints[group] * weights[:, None, None]).sum(axis=0))
        kept_scores.append(scores[group[0]])
    if not kept_boxes:
        return (np.zeros((0, 4), np.float32), np.zeros((0,) + keypoints.shape[1:], np.float32),
                np.zeros((0,), np.float32))
    return (np.asarray(kept_boxes, np.float32), np.asarray(kept_keypoints, np.float32),
            np.asarray(kept_scores, np.float32))
