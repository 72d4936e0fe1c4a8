"""The quality gate: exactly one confident face, else the next seed, else a clear failure."""

from __future__ import annotations

import numpy as np
import pytest

from facekit.engines.analysis import load_analyser
from facekit.engines.generation import GenerationFailed, QualityGate
from facekit.engines.generation.dcgan import DcganGenerator
from facekit.engines.generation.quality import retry_seed
from facekit.engines.types import Face


def face(score: float) -> Face:
    return Face(box=(0, 0, 10, 10), score=score, keypoints=np.zeros((5, 2), np.float32))


class SeedImages:
    """A generator whose picture for a seed is a grey level derived from it."""

    name = "seed-images@1"
    honours = frozenset()

    def __init__(self):
        self.seeds = []

    def generate(self, spec, seeds, size=None, *, progress=None, cancel=None):
        self.seeds.extend(seeds)
        return [np.full((8, 8, 3), seed % 256, np.uint8) for seed in seeds]


class ScriptedAnalyser:
    """Answers each detect() with the next face list of a script."""

    name = "scripted@1"

    def __init__(self, *answers):
        self.answers = list(answers)

    def detect(self, image):
        return self.answers.pop(0)


def test_it_passes_one_confident_face_on_the_first_try():
    generator = SeedImages()
    result = QualityGate(generator, ScriptedAnalyser([face(0.9)])).generate({}, 42)

    assert (result.seed, result.tries, result.face.score) == (42, 1, 0.9)
    assert generator.seeds == [42]
    assert result.image[0, 0, 0] == 42


def test_it_tries_the_next_seed_after_no_face_two_faces_or_a_weak_one():
    generator = SeedImages()
    analyser = ScriptedAnalyser([], [face(0.9), face(0.8)], [face(0.2)], [face(0.7)])
    result = QualityGate(generator, analyser, min_score=0.5, max_tries=5).generate({}, 42)

    assert result.tries == 4
    assert generator.seeds == [retry_seed(42, k) for k in range(4)]
    assert result.seed == retry_seed(42, 3) != 42
    assert len(set(generator.seeds)) == 4


def test_it_fails_clearly_after_the_allowed_tries():
    analyser = ScriptedAnalyser([], [face(0.9), face(0.9)], [face(0.1)])
    with pytest.raises(GenerationFailed) as caught:
        QualityGate(SeedImages(), analyser, min_score=0.5, max_tries=3).generate({}, 7)

    message = str(caught.value)
    assert "3 tries" in message and "seed-images@1" in message
    assert "no face found" in message and "2 faces found" in message and "0.10 below 0.50" in message


def test_it_rejects_bad_settings():
    with pytest.raises(ValueError, match="min_score"):
        QualityGate(SeedImages(), ScriptedAnalyser(), min_score=1.5)
    with pytest.raises(ValueError, match="max_tries"):
        QualityGate(SeedImages(), ScriptedAnalyser(), max_tries=0)


def test_it_gates_real_dcgan_faces_with_the_offline_analyser():
    analyser = load_analyser("offline")
    generator = DcganGenerator(analyser, candidates=4)
    result = QualityGate(generator, analyser, min_score=0.5).generate({"expression": "smile"}, 1234, 256)

    assert result.image.shape == (256, 256, 3)
    assert np.array_equal(result.image, generator.generate({"expression": "smile"}, [result.seed], 256)[0])
    assert result.face.score >= 0.5 and result.face.landmarks.shape[0] == 468
