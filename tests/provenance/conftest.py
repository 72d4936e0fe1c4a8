"""Shared fixtures: one development identity per session, face-like synthetic images."""

import numpy as np
import pytest

from facekit.provenance import GenerationFacts, Kind, load_or_create_dev_identity


def face_like(size: int, seed: int = 0) -> np.ndarray:
    """A smooth synthetic picture with the low noise of a rendered face (no real person)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size, 3)) + rng.uniform(60, 200, 3)
    for _ in range(6):
        cx, cy, rx, ry = rng.uniform(0.2, 0.8, 2).tolist() + rng.uniform(0.1, 0.4, 2).tolist()
        inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1
        image[inside] = image[inside] * 0.5 + rng.uniform(0, 255, 3) * 0.5
    # Blur by box-filter averaging along both axes (keeps the fixture free of OpenCV).
    kernel = np.ones(max(3, size // 40)) / max(3, size // 40)
    for axis in (0, 1):
        image = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, image)
    image += rng.normal(0, 2, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def identity(tmp_path_factory):
    return load_or_create_dev_identity(tmp_path_factory.mktemp("data") / "c2pa")


@pytest.fixture
def avatar_facts():
    return GenerationFacts(
        kind=Kind.AVATAR,
        object_id=42,
        engine="dcgan@1.1.1",
        seed=2**64 - 1,
        spec={"age": "adult", "glasses": "round", "smile": 0.7},
    )


@pytest.fixture(scope="session")
def face_256():
    return face_like(256, seed=1)
