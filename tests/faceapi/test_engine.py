"""The web process names the worker's engine without loading it, and the worker checks."""

import pytest

from faceapi import engine
from faceapi.models import FaceRender
from safeface import inference
from safeface.jobs import JobStatus

pytestmark = pytest.mark.django_db


def test_the_web_knows_the_name_the_worker_generator_reports():
    assert engine.active_engine().name == inference.generator().name


def test_the_diffusers_fingerprint_is_the_backends(tmp_path):
    from safeface.engines.generation.diffusion import _folder_fingerprint

    (tmp_path / "unet").mkdir()
    (tmp_path / "model_index.json").write_text('{"a": 1}')
    (tmp_path / "unet" / "config.json").write_text('{"b": 2}')

    assert engine._diffusers_name(str(tmp_path), tmp_path) == f"diffusers-{tmp_path.name}@{_folder_fingerprint(tmp_path)}"


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
    assert engine.active_engine().name.startswith("dcgan-digiface@")
    weights = tmp_path / "diffusion" / "someone--model"
    weights.mkdir(parents=True)
    (weights / "model_index.json").write_text('{"a": 1}')

    soon = engine.active_engine()
    later = engine.time.monotonic() + engine.RECHECK_SECONDS
    monkeypatch.setattr(engine.time, "monotonic", lambda: later)

    assert soon.name.startswith("dcgan-digiface@")  # looked up less than RECHECK_SECONDS ago
    assert engine.active_engine().name.startswith("diffusers-someone--model@")


def test_changed_settings_are_seen_at_once(settings):
    settings.SAFEFACE_GENERATOR = "dcgan"
    engine.active_engine()
    settings.SAFEFACE_GENERATOR = "diffusers"
    settings.SAFEFACE_DIFFUSION_MODEL = "/nowhere/model"

    assert engine.active_engine().name.startswith("diffusers-model@")
