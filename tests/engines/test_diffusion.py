"""The diffusers backend, on tiny SD and SDXL pipelines saved to disk and loaded back
through the same code that loads real weights."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from facekit.engines.errors import Cancelled, WeightsMissing
from facekit.engines.active import find_diffusion_model
from facekit.engines.generation.diffusion import DiffusersGenerator, locate_model, prompt_weights
from facekit.engines.registry import load_generator
from facekit.engines.types import Generator
from facekit.engines.vocabulary import ATTRIBUTES

from .tiny_diffusion import build_tiny_sd, build_tiny_sdxl

STEPS = 3
SIZE = 64


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory):
    root = tmp_path_factory.mktemp("diffusion")
    return {"sd": build_tiny_sd(root / "tiny-sd"), "sdxl": build_tiny_sdxl(root / "tiny-sdxl")}


@pytest.fixture(scope="module")
def sd(pipelines):
    return DiffusersGenerator(model=str(pipelines["sd"]), steps=STEPS, size=SIZE, device="cpu", max_batch=2)


@pytest.fixture(scope="module")
def sdxl(pipelines):
    return DiffusersGenerator(model=str(pipelines["sdxl"]), steps=STEPS, size=SIZE, device="cpu")


def test_it_loads_sd_and_sdxl_pipelines_with_the_dpmpp_3m_sde_karras_scheduler(sd, sdxl):
    for generator, is_xl in ((sd, False), (sdxl, True)):
        assert isinstance(generator, Generator)
        assert generator.is_xl is is_xl
        config = generator.pipeline.scheduler.config
        assert type(generator.pipeline.scheduler).__name__ == "DPMSolverMultistepScheduler"
        assert (config.algorithm_type, config.solver_order, config.use_karras_sigmas) == ("sde-dpmsolver++", 3, True)
        assert generator.device.type == "cpu" and str(generator.dtype) == "torch.float32"
        assert generator.honours == frozenset(ATTRIBUTES)
    assert sd.name.startswith("diffusers-tiny-sd@") and sdxl.name.startswith("diffusers-tiny-sdxl@")


@pytest.mark.parametrize("which", ["sd", "sdxl"])
def test_it_makes_one_rgb_image_per_seed_of_the_requested_size(which, request):
    generator = request.getfixturevalue(which)
    images = generator.generate({"expression": "smile"}, [1, 2, 3])

    assert len(images) == 3
    for image in images:
        assert image.shape == (SIZE, SIZE, 3) and image.dtype == np.uint8
    assert generator.generate({}, [1], 80)[0].shape == (80, 80, 3)


@pytest.mark.parametrize("which", ["sd", "sdxl"])
def test_it_makes_the_same_pixels_for_the_same_seed_and_different_ones_for_another(which, request):
    generator = request.getfixturevalue(which)
    batch = generator.generate({"glasses": "none"}, [5, 6, 7])
    alone = generator.generate({"glasses": "none"}, [6])[0]

    assert np.abs(batch[1].astype(int) - alone).max() <= 1  # batched or not, within rounding
    assert np.abs(batch[0].astype(int) - batch[1]).mean() > 1


def test_it_changes_the_picture_with_the_spec(sd):
    # The photo style opens the prompt: the tiny tokenizer's 77 characters reach it.
    a = sd.generate({"photo_style": "film"}, [9])[0]
    b = sd.generate({"photo_style": "black_and_white"}, [9])[0]

    assert np.abs(a.astype(int) - b).mean() > 0.5


def test_it_applies_clip_skip(pipelines):
    kept = DiffusersGenerator(model=str(pipelines["sd"]), steps=STEPS, size=SIZE, device="cpu", clip_skip=None)
    skipped = DiffusersGenerator(model=str(pipelines["sd"]), steps=STEPS, size=SIZE, device="cpu", clip_skip=2)

    embeds_kept = kept.encode(["a face"], ["blurry"])["prompt_embeds"]
    embeds_skipped = skipped.encode(["a face"], ["blurry"])["prompt_embeds"]
    assert embeds_kept.shape == embeds_skipped.shape
    assert not np.allclose(embeds_kept.numpy(), embeds_skipped.numpy())


def test_it_reports_progress_for_every_step_of_every_batch(sd):
    calls = []
    sd.generate({}, [1, 2, 3], progress=lambda done, total: calls.append((done, total)))

    # max_batch=2: two pipeline calls of STEPS steps each.
    assert calls == [(step, 2 * STEPS) for step in range(1, 2 * STEPS + 1)]


def test_it_stops_at_the_step_where_it_is_cancelled(sd):
    seen = []
    with pytest.raises(Cancelled, match="step 2 of"):
        sd.generate({}, [1], progress=lambda done, total: seen.append(done), cancel=lambda: len(seen) >= 2)
    assert seen == [1, 2]

    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled, match="before it started"):
        sd.generate({}, [1], cancel=stop)


def test_it_interpolates_between_two_seeds(sdxl):
    frames = sdxl.interpolate(11, 12, 4)
    start = sdxl.generate({}, [11])[0]

    assert len(frames) == 4 and all(frame.shape == (SIZE, SIZE, 3) for frame in frames)
    assert np.abs(frames[0].astype(int) - start).max() <= 1
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1


def test_it_blends_seeds(sd):
    alone = sd.generate({}, [21])[0]
    weighted = sd.blend([21, 22], [1.0, 0.0])
    mixed = sd.blend([21, 22], [0.5, 0.5])

    assert np.abs(weighted.astype(int) - alone).max() <= 1
    assert np.abs(mixed.astype(int) - alone).mean() > 1


def test_a_negative_amount_moves_the_noise_away_and_leaves_the_prompt_to_the_positive_ones(sd):
    alone = sd.blend([21, 22], [1.0, 0.0])
    away = sd.blend([21, 22], [1.0, -0.5])

    assert away.shape == alone.shape and np.abs(away.astype(int) - alone).mean() > 1
    assert np.allclose(prompt_weights([1.0, -0.5]), [1.0, 0.0])
    assert np.allclose(prompt_weights([-1.0, -3.0]), [0.25, 0.75])


def test_it_rejects_sizes_the_vae_cannot_take(sd):
    with pytest.raises(ValueError, match="multiple of 8"):
        sd.generate({}, [1], 100)


def test_it_never_downloads_and_says_how_to_fetch_missing_weights(tmp_path):
    with pytest.raises(WeightsMissing, match="fetch_models"):
        DiffusersGenerator(model="safeface-tests/no-such-model", models_dir=tmp_path)
    with pytest.raises(WeightsMissing, match="model_index.json"):
        DiffusersGenerator(model=str(tmp_path / "empty"))
    assert find_diffusion_model("safeface-tests/no-such-model", tmp_path) is None


def test_it_finds_models_where_fetch_models_puts_them(pipelines, tmp_path):
    models_dir = tmp_path / "models"
    shutil.copytree(pipelines["sd"], models_dir / "diffusion" / "acme--tiny-face")

    assert locate_model("acme/tiny-face", models_dir) == models_dir / "diffusion" / "acme--tiny-face"
    generator = load_generator("auto", models_dir, model="acme/tiny-face", steps=2, size=SIZE, device="cpu",
                               candidates=4)  # a DCGAN setting, ignored by diffusers under "auto"
    assert isinstance(generator, DiffusersGenerator)
    assert generator.name.startswith("diffusers-acme--tiny-face@")


def test_auto_falls_back_to_the_offline_mobilestylegan_without_weights(tmp_path):
    generator = load_generator("auto", tmp_path, model="acme/tiny-face", steps=2, guided=False)

    assert generator.name.startswith("mobilestylegan-ffhq@")
    with pytest.raises(ValueError, match="does not take"):
        load_generator("dcgan", tmp_path, steps=2, guided=False)
    with pytest.raises(ValueError, match="Unknown generator"):
        load_generator("stylegan")
