"""Attribute-guided sampling with the real offline analyser: the DCGAN follows what it says it honours.

Each attribute is checked on the *output* pictures, measured afresh, over 20 seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from facekit.engines.analysis import load_analyser
from facekit.engines.generation.dcgan import LATENT_DIM, SURE_FACE, DcganGenerator
from facekit.engines.generation.latents import seed_latent
from facekit.engines.measure import measure

SEEDS = list(range(100, 120))
SIZE = 192


class CountingAnalyser:
    """The real analyser, counting its calls."""

    def __init__(self, analyser):
        self.analyser = analyser
        self.name = analyser.name
        self.calls = 0
        self.likeness_calls = 0

    def detect(self, image):
        self.calls += 1
        return self.analyser.detect(image)

    def face_likeness(self, image):
        self.likeness_calls += 1
        return self.analyser.face_likeness(image)


@pytest.fixture(scope="module")
def analyser():
    return CountingAnalyser(load_analyser("offline"))


@pytest.fixture(scope="module")
def dcgan(analyser):
    # Fewer candidates than the default keeps the module fast; the effect must show even so.
    return DcganGenerator(analyser, candidates=8)


def measured(dcgan, analyser, spec, field):
    """The field measured on each output picture that shows a face."""
    values = []
    for image in dcgan.generate(spec, SEEDS, SIZE):
        faces = analyser.analyser.detect(image)
        reading = getattr(measure(image, faces[0] if faces else None), field)
        if reading is not None:
            values.append(reading)
    assert len(values) >= 16, f"too few faces found for {spec}"
    return np.array(values)


def test_it_honours_only_what_it_can_measure(dcgan):
    assert dcgan.honours == {"skin_tone", "expression", "head_pose", "hair_colour", "lighting", "background"}
    assert dcgan.guided_values["expression"] == {"smile", "broad_smile", "neutral", "serious"}
    assert "age" not in dcgan.honours and "glasses" not in dcgan.honours


def test_it_moves_skin_tone_the_requested_way(dcgan, analyser):
    light = measured(dcgan, analyser, {"skin_tone": "monk_02"}, "skin_tone")
    unguided = measured(dcgan, analyser, {}, "skin_tone")
    dark = measured(dcgan, analyser, {"skin_tone": "monk_09"}, "skin_tone")

    assert light.mean() + 0.5 < unguided.mean() < dark.mean() - 0.5
    assert dark.mean() - light.mean() > 3  # Monk positions apart


def test_it_moves_the_smile_the_requested_way(dcgan, analyser):
    smiling = measured(dcgan, analyser, {"expression": "smile"}, "smile")
    neutral = measured(dcgan, analyser, {"expression": "neutral"}, "smile")

    assert smiling.mean() > neutral.mean() + 0.15
    assert np.median(smiling) > np.percentile(neutral, 75)


def test_it_turns_the_head_the_requested_way(dcgan, analyser):
    left = measured(dcgan, analyser, {"head_pose": "left"}, "yaw")
    right = measured(dcgan, analyser, {"head_pose": "right"}, "yaw")

    assert left.mean() < -0.1 < 0.1 < right.mean()


def test_it_follows_hair_colour_lighting_and_background(dcgan, analyser):
    blonde = measured(dcgan, analyser, {"hair_colour": "blonde"}, "hair_lab")
    black = measured(dcgan, analyser, {"hair_colour": "black"}, "hair_lab")
    assert blonde[:, 0].mean() > black[:, 0].mean() + 15  # L* of the band above the face

    bright = measured(dcgan, analyser, {"lighting": "bright"}, "brightness")
    dark = measured(dcgan, analyser, {"lighting": "dark"}, "brightness")
    assert bright.mean() > dark.mean() + 15

    light_backdrop = measured(dcgan, analyser, {"background": "plain_light"}, "background_lightness")
    dark_backdrop = measured(dcgan, analyser, {"background": "plain_dark"}, "background_lightness")
    assert light_backdrop.mean() > dark_backdrop.mean() + 25


def test_it_makes_the_same_pixels_for_the_same_seed_and_spec(analyser):
    spec = {"skin_tone": "monk_06", "expression": "smile"}
    first = DcganGenerator(analyser, candidates=8).generate(spec, [7, 8], 128)
    again = DcganGenerator(analyser, candidates=8).generate(spec, [7, 8], 128)

    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_it_picks_the_same_face_whatever_the_output_size(dcgan):
    spec = {"head_pose": "left"}
    small, large = dcgan.generate(spec, [SEEDS[0]], 64)[0], dcgan.generate(spec, [SEEDS[0]], 256)[0]
    assert np.abs(large.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3)) - small).mean() < 12


def test_with_nothing_measurable_asked_it_keeps_the_first_candidate_surely_a_face(dcgan, analyser):
    for seed in SEEDS:
        choice = dcgan.choose({"glasses": "sunglasses", "age": "senior"}, seed)
        natives = dcgan.render_native(np.stack([seed_latent(c, LATENT_DIM) for c in dcgan._candidate_seeds(seed)]))
        likeness = [analyser.analyser.face_likeness(native) for native in natives]
        sure = [k for k, score in enumerate(likeness) if score >= SURE_FACE]

        assert choice.candidate == (sure[0] if sure else int(np.argmax(likeness)))
    assert np.array_equal(dcgan.generate({"glasses": "sunglasses"}, [5], 64)[0], dcgan.generate({}, [5], 64)[0])


def test_it_draws_candidates_only_until_one_is_surely_a_face(analyser):
    counting = CountingAnalyser(analyser.analyser)
    DcganGenerator(counting, candidates=16).generate({}, SEEDS, 64)

    assert len(SEEDS) <= counting.likeness_calls < len(SEEDS) * 8
    assert counting.calls == 0  # no full analysis: detectors and meshes are for the measured attributes


def test_picked_faces_are_found_more_surely_than_the_seeds_own(dcgan, analyser):
    """Measured afresh on the output: the raw DCGAN's smeared samples are what picking avoids."""

    def one_face_scores(generator):
        scores = []
        for picture in generator.generate({}, SEEDS, SIZE):
            faces = analyser.detect(picture)
            scores.append(faces[0].score if len(faces) == 1 else 0.0)
        return np.array(scores)

    picked, raw = one_face_scores(dcgan), one_face_scores(DcganGenerator())

    assert picked.mean() > raw.mean() + 0.05
    assert (picked > 0).sum() >= (raw > 0).sum()


def test_its_name_says_how_it_picks():
    assert DcganGenerator().name == "dcgan-digiface@1.1.1"
    assert DcganGenerator(CountingAnalyser(load_analyser("offline")), candidates=2).name == "dcgan-digiface@1.1.1+pick3"
