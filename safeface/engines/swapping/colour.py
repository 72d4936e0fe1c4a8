"""Colour and lighting matching between a warped source face and the target's skin, in CIE Lab."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# How far contrast may be stretched or squeezed per channel: beyond this a flat or
# noisy target region would wash the source out or blow it up.
STD_RATIO_LIMITS = (0.6, 1.6)
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
    ratio = np.clip(target.std / source.std, *STD_RATIO_LIMITS).astype(np.float32)
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
    weight = cv2.GaussianBlur(mask.astype(np.float32) * (1.0 / 255.0), (0, 0), sigma)
    np.maximum(weight, 1e-3, out=weight)
    skin = mask > 0
    source_light = np.where(skin, lab[..., 0], 0).astype(np.float32)
    target_light = np.where(skin, target_lab[..., 0], 0).astype(np.float32)
    difference = cv2.GaussianBlur(target_light - source_light, (0, 0), sigma) / weight
    # Only the pattern of light: the overall level is the (time-smoothed) colour transfer's job.
    difference -= float(difference[skin].mean()) if skin.any() else 0.0
    lab[..., 0] += difference
    return lab
