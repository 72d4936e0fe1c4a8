"""Colour and lighting matching between a warped source face and the target's skin, in CIE Lab."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# How far each Lab channel's spread may be squeezed or stretched (L, a, b): beyond this a flat
# or noisy target would wash the source out or blow it up. Colour spread is never stretched:
# that turns the source's eye whites and shadows blue or green on a ruddy target.
STD_RATIO_LOW = np.array([0.6, 0.25, 0.25], np.float32)
STD_RATIO_HIGH = np.array([1.5, 1.0, 1.0], np.float32)
# Weight of the newest frame in a track's running colour statistics (video).
EMA_WEIGHT = 0.25


@dataclass(frozen=True)
class LabStats:
    mean: np.ndarray  # (3,) L, a, b
    std: np.ndarray  # (3,)

    def blend(self, newer: "LabStats", weight: float) -> "LabStats":
        return LabStats(self.mean + weight * (newer.mean - self.mean), self.std + weight * (newer.std - self.std))


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """float32 Lab (L in 0..100) of an RGB uint8 image."""
    return cv2.cvtColor(rgb.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_RGB2LAB)


def to_rgb(lab: np.ndarray) -> np.ndarray:
    rgb = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    return np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)


def lab_stats(lab: np.ndarray, mask: np.ndarray) -> LabStats | None:
    """Mean and spread of the pixels under a uint8 mask; None when it holds too few to trust."""
    if cv2.countNonZero(mask) < 16:
        return None
    mean, std = cv2.meanStdDev(lab, mask=mask)
    return LabStats(mean.ravel().astype(np.float32), np.maximum(std.ravel(), 1e-3).astype(np.float32))


def smoothed(memory: dict | None, track: object, stats: LabStats) -> LabStats:
    """A track's running target statistics (video), so colour does not flicker frame to frame."""
    if memory is None or track is None:
        return stats
    state = memory.setdefault(track, {})
    previous = state.get("mesh_target_lab")
    state["mesh_target_lab"] = stats if previous is None else previous.blend(stats, EMA_WEIGHT)
    return state["mesh_target_lab"]


def transfer(lab: np.ndarray, source: LabStats, target: LabStats) -> np.ndarray:
    """Shift and scale each Lab channel from the source's statistics to the target's (in place)."""
    ratio = np.clip(target.std / source.std, STD_RATIO_LOW, STD_RATIO_HIGH).astype(np.float32)
    lab -= source.mean
    lab *= ratio
    lab += target.mean
    return lab


def match_shading(lab: np.ndarray, target_lab: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Carry the target's slow light changes (one side of the face darker, a highlight) onto the
    source: add the difference of both faces' heavily blurred lightness over the skin, less its
    mean (in place).

    The blur is normalised by the blurred mask, so the background never leaks in.
    """
    skin = mask > 0
    difference = np.where(skin, target_lab[..., 0] - lab[..., 0], 0).astype(np.float32)
    weight = skin.astype(np.float32)
    # The blurred fields are smooth: blur them small (sigma ~4 px) and scale back up, which
    # costs the same for a 40 px face and a 400 px one.
    height, width = mask.shape
    scale = min(1.0, 4.0 / sigma)
    if scale < 1.0:
        size = (max(4, round(width * scale)), max(4, round(height * scale)))
        difference = cv2.resize(difference, size, interpolation=cv2.INTER_AREA)
        weight = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
    difference = cv2.GaussianBlur(difference, (0, 0), sigma * scale)
    weight = cv2.GaussianBlur(weight, (0, 0), sigma * scale)
    difference /= np.maximum(weight, 1e-3)
    if scale < 1.0:
        difference = cv2.resize(difference, (width, height), interpolation=cv2.INTER_LINEAR)
    # Only the pattern of light: the overall level is the (time-smoothed) colour transfer's job.
    difference -= float(difference[skin].mean()) if skin.any() else 0.0
    lab[..., 0] += difference
    return lab
