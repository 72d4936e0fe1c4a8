"""The quality gate: an avatar is one clearly visible face, or the job fails clearly."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..types import Analyser, CancelSignal, Face, Generator, Progress
from .errors import GenerationFailed
from .latents import check_seed, derived_seed

logger = logging.getLogger(__name__)

DEFAULT_MIN_SCORE = 0.5
DEFAULT_MAX_TRIES = 5


@dataclass(frozen=True)
class GatedFace:
    """A generated picture that passed the gate, the seed that made it and the face in it."""

    image: np.ndarray
    seed: int  # the seed actually used: the requested one, or a retry derived from it
    face: Face
    tries: int


def retry_seed(seed: int, attempt: int) -> int:
    """The seed of the `attempt`-th try (0: the requested seed itself), stable forever."""
    return derived_seed(seed, "quality-gate", attempt)


class QualityGate:
    """Wraps any generator and analyser: exactly one face, with score >= `min_score`.

    A failing picture is replaced by the face of the next derived seed, up to
    `max_tries` pictures in all; then `GenerationFailed` says what was seen.
    """

    def __init__(
        self,
        generator: Generator,
        analyser: Analyser,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        max_tries: int = DEFAULT_MAX_TRIES,
    ):
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be between 0 and 1, not {min_score}.")
        if isinstance(max_tries, bool) or not isinstance(max_tries, int) or max_tries < 1:
            raise ValueError(f"max_tries must be a positive integer, not {max_tries!r}.")
        self.generator = generator
        self.analyser = analyser
        self.min_score = min_score
        self.max_tries = max_tries

    def verdict(self, faces: list[Face]) -> str | None:
        """None when the faces pass, else why not, in words."""
        if not faces:
            return "no face found"
        if len(faces) > 1:
            return f"{len(faces)} faces found"
        if faces[0].score < self.min_score:
            return f"face score {faces[0].score:.2f} below {self.min_score:.2f}"
        return None

    def generate(
        self,
        spec: Mapping[str, object] | None,
        seed: int,
        size: int | None = None,
        *,
        progress: Progress | None = None,
        cancel: CancelSignal = None,
    ) -> GatedFace:
        seed = check_seed(seed)
        reasons = []
        for attempt in range(self.max_tries):
            candidate_seed = retry_seed(seed, attempt)
            image = self.generator.generate(spec, [candidate_seed], size, progress=progress, cancel=cancel)[0]
            faces = self.analyser.detect(image)
            reason = self.verdict(faces)
            if reason is None:
                if attempt:
                    logger.info("seed %d passed the quality gate on try %d (seed %d)", seed, attempt + 1, candidate_seed)
                return GatedFace(image, candidate_seed, faces[0], attempt + 1)
            logger.info("seed %d try %d (seed %d) failed the quality gate: %s", seed, attempt + 1, candidate_seed, reason)
            reasons.append(reason)
        raise GenerationFailed(
            f"No usable face after {self.max_tries} tries with {self.generator.name} "
            f"(needs exactly one face scoring at least {self.min_score:.2f}; saw: {'; '.join(reasons)}). "
            "Try another seed or fewer constraints."
        )
