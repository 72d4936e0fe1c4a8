"""From scores to a verdict: a photo over the threshold is refused; a video is refused when
more than a share of its sampled frames are (FaceFusion's rule of thumb: 10 %)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..types import Screener


@dataclass(frozen=True)
class ScreeningResult:
    screener: str
    refused: bool
    frames: int  # pictures scored (1 for a photo)
    flagged: int  # of those, over the threshold
    worst: float  # the highest score

    def as_dict(self) -> dict:
        return {"screener": self.screener, "refused": self.refused, "frames": self.frames, "flagged": self.flagged,
                "worst": round(self.worst, 3)}


@dataclass(frozen=True)
class Screening:
    """`threshold`: the score from which a picture counts as sexual; `video_share`: the share
    of a video's sampled frames over it from which the video is refused."""

    screener: Screener
    threshold: float
    video_share: float

    def photo(self, image: np.ndarray) -> ScreeningResult:
        score = self.screener.score(image)
        flagged = score >= self.threshold
        return ScreeningResult(self.screener.name, flagged, 1, int(flagged), score)

    def frames(self, images: Iterable[np.ndarray]) -> ScreeningResult:
        scores = [self.screener.score(image) for image in images]
        flagged = sum(score >= self.threshold for score in scores)
        refused = bool(scores) and flagged / len(scores) > self.video_share
        return ScreeningResult(self.screener.name, refused, len(scores), flagged, max(scores, default=0.0))
