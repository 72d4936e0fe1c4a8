"""The offline DCGAN generator: determinism, batching, sizes, morphs and blends."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from facekit.engines.errors import Cancelled
from facekit.engines.generation.dcgan import DcganGenerator
from facekit.engines.generation.latents import blend, seed_latent, slerp
from facekit.engines.types import Generator


@pytest.fixture(scope="module")
def dcgan():
    # No analyser: these tests are about rendering; guided sampling has its own module.
    return DcganGenerator()


def test_it_reports_a_stable_name_and_follows_the_generator_interface(dcgan):
    assert dcgan.name == "dcgan-digiface@1.1.1"
    assert isinstance(dcgan, Generator)
    # Without an analyser only picture-level attributes can be measured.
    assert dcgan.honours == {"lighting", "background"}


def test_it_makes_the_same_pixels_for_the_same_seed(dcgan):
    first = dcgan.generate({}, [2**64 - 1, 7], 128)
    again = DcganGenerator().generate({}, [2**64 - 1, 7], 128)

    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_it_makes_different_faces_for_different_seeds(dcgan):
    images = dcgan.generate({}, list(range(8)), 64)

    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert np.abs(images[i].astype(int) - images[j]).mean() > 5


def test_it_makes_the_same_faces_in_a_batch_as_one_by_one(dcgan):
    seeds = [11, 12, 13, 14, 15]
    batch = dcgan.generate({}, seeds, 96)
    single = [dcgan.generate({}, [seed], 96)[0] for seed in seeds]

    assert all(np.array_equal(a, b) for a, b in zip(batch, single))


def test_it_returns_rgb_uint8_images_of_the_requested_size(dcgan):
    for size in (32, 64, 256):
        (image,) = dcgan.generate({}, [3], size)
        assert image.shape == (size, size, 3) and image.dtype == np.uint8
    assert dcgan.generate({}, [3])[0].shape == (512, 512, 3)


def test_it_upscales_smoothly_rather_than_in_blocks(dcgan):
    (native,) = dcgan.generate({}, [5], 64)
    (large,) = dcgan.generate({}, [5], 256)

    # Nearest-neighbour would repeat each pixel 4x4; a real resampler does not.
    blocks = large.reshape(64, 4, 64, 4, 3)
    assert (blocks.max(axis=(1, 3)) != blocks.min(axis=(1, 3))).mean() > 0.5
    # ...and it is still the same picture.
    shrunk = large.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3))
    assert np.abs(shrunk - native).mean() < 12


def test_it_rejects_bad_seeds_and_sizes(dcgan):
    for seed in (-1, 2**64, 1.5, "7"):
        with pytest.raises(ValueError, match="seed"):
            dcgan.generate({}, [seed], 64)
    for size in (0, 5, 10_000, 64.0):
        with pytest.raises(ValueError, match="size"):
            dcgan.generate({}, [1], size)


def test_it_validates_the_spec(dcgan):
    with pytest.raises(ValueError, match="glasses"):
        dcgan.generate({"glasses": "monocle"}, [1], 64)


def test_seed_latents_are_standard_normal_and_stable():
    latent = seed_latent(123, 100)
    assert latent.shape == (100,)
    assert np.array_equal(latent, seed_latent(123, 100))
    many = np.stack([seed_latent(s, 100) for s in range(200)])
    assert abs(many.mean()) < 0.05 and abs(many.std() - 1) < 0.05
    assert np.array_equal(seed_latent(0, 4), seed_latent(0, 100)[:4])
    # Pinned values guard the derivation against accidental change: a value's face is forever.
    assert np.allclose(seed_latent(0, 100)[:3], [-1.7701939201450039, 0.0583286374000115, -0.3025606859431938])
    assert np.isclose(seed_latent(2**64 - 1, 100)[-1], 1.4260241481155163)


def test_slerp_starts_and_ends_on_its_inputs_and_keeps_the_norm():
    a, b = seed_latent(1, 100), seed_latent(2, 100)

    assert np.allclose(slerp(a, b, 0.0), a) and np.allclose(slerp(a, b, 1.0), b)
    middle = slerp(a, b, 0.5)
    assert abs(np.linalg.norm(middle) - (np.linalg.norm(a) + np.linalg.norm(b)) / 2) < 0.5
    assert np.linalg.norm((a + b) / 2) < np.linalg.norm(middle) - 1  # what a straight line would lose


def test_it_interpolates_from_one_face_to_another(dcgan):
    frames = dcgan.interpolate(21, 22, 5, size=64)
    a, b = dcgan.generate({}, [21, 22], 64)

    assert len(frames) == 5
    assert np.array_equal(frames[0], a) and np.array_equal(frames[-1], b)
    distances = [np.abs(frames[i].astype(int) - a).mean() for i in range(5)]
    assert distances == sorted(distances)  # each frame moves further from a


def test_it_blends_seeds_by_amount(dcgan):
    a, b = dcgan.generate({}, [31, 32], 64)

    assert np.array_equal(dcgan.blend([31, 32], [1.0, 0.0], size=64), a)
    mostly_a = dcgan.blend([31, 32], [0.8, 0.2], size=64)
    assert np.abs(mostly_a.astype(int) - a).mean() < np.abs(mostly_a.astype(int) - b).mean()
    assert np.allclose(np.linalg.norm(blend([seed_latent(1, 100), seed_latent(2, 100)], [1, 1])),
                       (np.linalg.norm(seed_latent(1, 100)) + np.linalg.norm(seed_latent(2, 100))) / 2)
    with pytest.raises(ValueError, match="amount"):
        dcgan.blend([31, 32], [1.0], size=64)
    with pytest.raises(ValueError, match="not all zero"):
        dcgan.blend([31, 32], [0.0, 0.0], size=64)


def test_it_reports_progress_and_stops_when_cancelled(dcgan):
    calls = []
    dcgan.generate({}, list(range(5)), 64, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (5, 5) and [done for done, _ in calls] == sorted(done for done, _ in calls)

    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        dcgan.generate({}, [1, 2], 64, cancel=stop)

    seen = []
    with pytest.raises(Cancelled):
        dcgan.generate({"lighting": "bright"}, list(range(12)), 64,
                       progress=lambda done, total: seen.append(done), cancel=lambda: len(seen) >= 1)
    assert len(seen) == 1  # stopped after the first group, not at the end
