"""The web process names the worker's engine without loading it, and the worker checks."""

import pytest

from faceapi import api_engine
from faceapi.models import FaceRender
from safeface import inference
from facekit.core.jobs import JobStatus

pytestmark = pytest.mark.django_db


def test_the_diffusers_name_follows_its_config_files(tmp_path):
    (tmp_path / "unet").mkdir()
    (tmp_path / "model_index.json").write_text('{"a": 1}')
    (tmp_path / "unet" / "config.json").write_text('{"b": 2}')
    before = api_engine._diffusers_name(str(tmp_path), tmp_path)
    (tmp_path / "unet" / "config.json").write_text('{"b": 3, "c": 4}')

    assert before.startswith(f"diffusers-{tmp_path.name}@")
    assert api_engine._diffusers_name(str(tmp_path), tmp_path) != before


def test_a_worker_with_another_engine_fails_the_render_with_a_clear_message(client, worker):
    client.get("/api/face?value=x")
    FaceRender.objects.update(engine="someone-else@1")

    worker()

    job = FaceRender.objects.get()
    assert job.status == JobStatus.FAILED and "someone-else@1" in job.error and "SAFEFACE_GENERATOR" in job.error


def test_the_web_notices_weights_that_appear_within_a_few_seconds(settings, tmp_path, monkeypatch):
    settings.SAFEFACE_GENERATOR = "auto"
    settings.SAFEFACE_MODELS_DIR = tmp_path
    settings.SAFEFACE_DIFFUSION_MODEL = "someone/model"
    assert api_engine.active_engine().name.startswith("mobilestylegan-ffhq@")
    weights = tmp_path / "diffusion" / "someone--model"
    weights.mkdir(parents=True)
    (weights / "model_index.json").write_text('{"a": 1}')

    soon = api_engine.active_engine()
    later = api_engine.time.monotonic() + api_engine.RECHECK_SECONDS
    monkeypatch.setattr(api_engine.time, "monotonic", lambda: later)

    assert soon.name.startswith("mobilestylegan-ffhq@")  # looked up less than RECHECK_SECONDS ago
    assert api_engine.active_engine().name.startswith("diffusers-someone--model@")


def test_changed_settings_are_seen_at_once(settings):
    settings.SAFEFACE_GENERATOR = "dcgan"
    api_engine.active_engine()
    settings.SAFEFACE_GENERATOR = "diffusers"
    settings.SAFEFACE_DIFFUSION_MODEL = "/nowhere/model"

    assert api_engine.active_engine().name.startswith("diffusers-model@")


def _in_a_hugging_face_cache(pipeline_folder, models_dir, model_id, commit="0123456789abcdef"):
    """Lay `pipeline_folder` out as huggingface_hub's cache does (models--org--name/refs, snapshots)."""
    import shutil

    repo = models_dir / "huggingface" / f"models--{model_id.replace('/', '--')}"
    shutil.copytree(pipeline_folder, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit


def test_weights_only_in_a_hugging_face_cache_are_seen_by_the_web_too(settings, tmp_path):
    pipeline = tmp_path / "pipeline"
    pipeline.mkdir()
    (pipeline / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    _in_a_hugging_face_cache(pipeline, tmp_path / "models", "acme/cached-face")
    settings.SAFEFACE_GENERATOR = "auto"
    settings.SAFEFACE_MODELS_DIR = tmp_path / "models"
    settings.SAFEFACE_DIFFUSION_MODEL = "acme/cached-face"

    assert inference.active_generator_kind() == "diffusers"
    assert api_engine.active_engine().name.startswith("diffusers-acme--cached-face@")


@pytest.mark.slow
def test_the_web_names_the_generator_the_worker_loads_from_a_hugging_face_cache(settings, tmp_path):
    from facekit.engines.registry import load_generator
    from tests.engines.tiny_diffusion import build_tiny_sd

    _in_a_hugging_face_cache(build_tiny_sd(tmp_path / "tiny-sd"), tmp_path / "models", "acme/tiny-face")
    settings.SAFEFACE_GENERATOR = "auto"
    settings.SAFEFACE_MODELS_DIR = tmp_path / "models"
    settings.SAFEFACE_DIFFUSION_MODEL = "acme/tiny-face"

    worker = load_generator("auto", settings.SAFEFACE_MODELS_DIR, model="acme/tiny-face", steps=2, size=64,
                            device="cpu", guided=False)

    assert worker.name.startswith("diffusers-acme--tiny-face@")
    assert api_engine.active_engine().name == worker.name


def test_a_model_id_and_a_path_are_told_apart_alike_on_both_sides(settings, tmp_path, monkeypatch):
    from facekit.engines.active import find_diffusion_model

    nested = tmp_path / "weights" / "acme" / "face"
    nested.mkdir(parents=True)
    (nested / "model_index.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    settings.SAFEFACE_GENERATOR = "auto"
    settings.SAFEFACE_MODELS_DIR = tmp_path / "models"
    settings.SAFEFACE_DIFFUSION_MODEL = "weights/acme/face"  # two slashes: a folder, as no model id has two

    assert find_diffusion_model(settings.SAFEFACE_DIFFUSION_MODEL, settings.SAFEFACE_MODELS_DIR) is not None
    assert inference.active_generator_kind() == "diffusers"


def test_the_api_draws_with_the_studio_s_generator_unless_set_apart(settings):
    from safeface import inference

    assert inference.api_choice() == inference.studio_choice()
    settings.SAFEFACE_GENERATOR = "dcgan"
    settings.SAFEFACE_API_GENERATOR = "diffusers"
    settings.SAFEFACE_API_DIFFUSION_MODEL = "/nowhere/few-step-model"
    settings.SAFEFACE_API_DIFFUSION_STEPS = 4
    settings.SAFEFACE_API_DIFFUSION_GUIDANCE = 0.0

    api = api_engine.active_engine()
    assert api.name.startswith("diffusers-few-step-model@") and api.config == (("steps", 4), ("guidance", 0.0))
    assert inference.active_generator_kind() == "dcgan"  # the studio keeps its own
    assert inference.api_choice() == inference.GeneratorChoice("diffusers", "/nowhere/few-step-model", 4, 0.0, batch=16)


def test_an_api_generator_left_unset_in_part_takes_the_studio_s_model_and_steps(settings):
    from safeface import inference

    settings.SAFEFACE_API_GENERATOR = "diffusers"
    assert inference.api_choice() == inference.GeneratorChoice("diffusers", settings.SAFEFACE_DIFFUSION_MODEL,
                                                               settings.SAFEFACE_DIFFUSION_STEPS, None, 16)


def test_the_worker_renders_api_faces_with_the_api_s_own_model_and_steps(settings, tmp_path):
    """A tiny Stable Diffusion pipeline built here stands in for a few-step model."""
    from safeface import inference
    from tests.engines.tiny_diffusion import build_tiny_sd

    settings.SAFEFACE_GENERATOR = "dcgan"
    settings.SAFEFACE_API_GENERATOR = "diffusers"
    settings.SAFEFACE_API_DIFFUSION_MODEL = str(build_tiny_sd(tmp_path / "few-step"))
    settings.SAFEFACE_API_DIFFUSION_STEPS = 2
    try:
        api = inference.api_generator()
        assert api.name == api_engine.active_engine().name and api.name.startswith("diffusers-few-step@")
        assert api.settings.steps == 2 and api.settings.max_batch == settings.SAFEFACE_API_BATCH and inference.generator().name.startswith("dcgan-digiface@")
    finally:
        inference._generator.cache_clear()
