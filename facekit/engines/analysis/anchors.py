"""SSD anchors for MediaPipe's BlazeFace detectors, and decoding of their raw outputs.

MediaPipe describes each detector's anchors by a list of feature-map strides and how
many anchors sit on every cell; all anchors have a fixed unit size, so a raw output
is an offset from its anchor's centre in input pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnchorLayout:
    """Anchor grid of one detector: square `input_size` and (stride, anchors per cell) per feature map."""

    input_size: int
    layers: tuple[tuple[int, int], ...]

    @property
    def count(self) -> int:
        return sum((self.input_size // stride) ** 2 * per_cell for stride, per_cell in self.layers)


# Short range: 16x16 cells x 2 anchors + 8x8 cells x 6 anchors (three stride-16 layers merged) = 896.
SHORT_RANGE_LAYOUT = AnchorLayout(input_size=128, layers=((8, 2), (16, 6)))
# Full range: one 48x48 map, one anchor per cell = 2304.
FULL_RANGE_LAYOUT = AnchorLayout(input_size=192, layers=((4, 1),))


def anchor_centres(layout: AnchorLayout) -> np.ndarray:
    """Anchor centres as (count, 2) x, y in [0, 1], in the order the model emits them."""
    centres = []
    for stride, per_cell in layout.layers:
        cells = layout.input_size // stride
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        xs, ys = np.meshgrid(grid, grid)  # row-major: y outer, x inner
        cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_centres, per_cell, axis=0))
    return np.concatenate(centres, axis=0)


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, centres: np.ndarray, input_size: int):
    """Turn raw model outputs into normalised boxes, keypoints and probabilities.

    Returns `boxes` (N, 4) x1, y1, x2, y2 and `keypoints` (N, K, 2) in [0, 1] of the
    square input, and `scores` (N,) in [0, 1].
    """
    raw_boxes = raw_boxes.reshape(len(centres), -1) / input_size
    centre = raw_boxes[:, 0:2] + centres
    half_size = raw_boxes[:, 2:4] / 2
    boxes = np.concatenate([centre - half_size, centre + half_size], axis=1)
    keypoints = raw_boxes[:, 4:].reshape(len(centres), -1, 2) + centres[:, None, :]
    return boxes, keypoints, probabilities(raw_scores.reshape(-1))


def probabilities(logits: np.ndarray) -> np.ndarray:
    """Face probabilities from the classifier's logits; MediaPipe clips the logits before
    the sigmoid so exp() never overflows."""
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(logits, np.float64), -100.0, 100.0)))
