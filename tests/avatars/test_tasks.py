"""The generate task on the real offline engines (MobileStyleGAN + BlazeFace/FaceMesh)."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from avatars.models import Avatar
from facekit.core.storage import stored_files
from avatars.tasks import generate_avatar
from safeface import inference
from facekit.engines.generation import GenerationFailed
from facekit.engines.vocabulary import validate_spec
from facekit.core.jobs import JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(alice, settings):
    settings.SAFEFACE_THUMBNAIL_SIZE = 128
    return Avatar.objects.create(owner=alice, spec=validate_spec({"expression": "smile"}), seed=2024, size=256)


def test_it_makes_the_avatar_files_and_records_how(queued):
    generate_avatar(job_id=queued.pk)
    avatar = Avatar.objects.get(pk=queued.pk)

    assert avatar.status == JobStatus.DONE, avatar.error
    assert avatar.engine.startswith("mobilestylegan-ffhq@")
    png = avatar.image.read()
    assert hashlib.sha256(png).hexdigest() == avatar.sha256
    assert Image.open(avatar.image.open("rb")).size == (256, 256)
    assert Image.open(avatar.thumbnail.open("rb")).size == (128, 128)
    assert len(avatar.face["keypoints"]) == 5 and len(avatar.face["landmarks"]) == 468
    assert avatar.face["score"] >= 0.5
    assert avatar.used_seed is not None and avatar.progress == 100


def test_the_same_seed_makes_the_same_face(queued, alice):
    twin = Avatar.objects.create(owner=alice, spec=queued.spec, seed=queued.seed, size=256)
    other = Avatar.objects.create(owner=alice, spec=queued.spec, seed=queued.seed + 1, size=256)
    for avatar in (queued, twin, other):
        generate_avatar(job_id=avatar.pk)
    first, second, third = (np.asarray(Image.open(Avatar.objects.get(pk=a.pk).image.open("rb")), dtype=float) for a in (queued, twin, other))
    # Only the invisible watermarks (each carries its own avatar's id) differ.
    assert np.abs(first - second).mean() < 1.5
    assert np.abs(first - third).mean() > 10


def test_running_a_finished_task_again_changes_nothing(queued):
    generate_avatar(job_id=queued.pk)
    before = Avatar.objects.get(pk=queued.pk)
    storage = before.image.storage
    files = sorted(name for name, _ in stored_files(storage, "avatars"))

    generate_avatar(job_id=queued.pk)

    after = Avatar.objects.get(pk=queued.pk)
    assert (after.status, after.attempts, after.image.name, after.updated_at) == (before.status, before.attempts, before.image.name, before.updated_at)
    assert sorted(name for name, _ in stored_files(storage, "avatars")) == files


def test_an_engine_failure_ends_failed_with_the_engines_message(queued, monkeypatch):
    class Refusing:
        def generate(self, *args, **kwargs):
            raise GenerationFailed("No usable face after 5 tries.")

    monkeypatch.setattr(inference, "quality_gate", lambda: Refusing())
    generate_avatar(job_id=queued.pk)
    avatar = Avatar.objects.get(pk=queued.pk)
    assert (avatar.status, avatar.error) == (JobStatus.FAILED, "No usable face after 5 tries.")
    assert not avatar.image


def test_an_avatar_deleted_while_generating_leaves_no_files(queued, monkeypatch, media):
    real_gate = inference.quality_gate()

    class DeletingMidway:
        def generate(self, *args, **kwargs):
            result = real_gate.generate(*args, **kwargs)
            Avatar.objects.filter(pk=queued.pk).delete()
            return result

    monkeypatch.setattr(inference, "quality_gate", lambda: DeletingMidway())
    generate_avatar(job_id=queued.pk)
    leftovers = [p for p in Path(media).rglob("*") if p.is_file()] if Path(media).exists() else []
    assert leftovers == []


def test_progress_is_reported_while_generating(queued, monkeypatch):
    seen = []
    real = Avatar.set_progress

    def spy(self, percent):
        seen.append(percent)
        return real(self, percent)

    monkeypatch.setattr(Avatar, "set_progress", spy)
    generate_avatar(job_id=queued.pk)
    assert seen and all(0 < p <= 90 for p in seen)
    assert np.all(np.diff(seen) >= 0)


def test_the_file_carries_provenance_and_a_watermark_with_the_avatars_id(queued):
    from facekit.provenance import TRAINED_ALGORITHMIC_MEDIA, Kind, Verdict, read_provenance

    generate_avatar(job_id=queued.pk)
    avatar = Avatar.objects.get(pk=queued.pk)
    report = read_provenance(
        avatar.image.read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem
    )

    assert report.c2pa.verdict == Verdict.TRUSTED
    assert report.c2pa.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert report.xmp.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert (report.watermark.kind, report.watermark.object_id) == (Kind.AVATAR, avatar.pk)
    assert report.trusted_safeface_id.endswith(str(avatar.pk))


def test_unwritable_storage_fails_the_job_with_a_clear_message(queued, settings, tmp_path):
    if settings.SAFEFACE_S3_BUCKET:  # a bucket that is not there
        default = settings.STORAGES["default"]
        options = {**default["OPTIONS"], "bucket_name": "no-such-bucket"}
        settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": options}}
    else:  # a file where the media folder should be
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the media folder should be")
        settings.MEDIA_ROOT = blocker / "media"

    generate_avatar(job_id=queued.pk)

    avatar = Avatar.objects.get(pk=queued.pk)
    assert avatar.status == JobStatus.FAILED
    assert "could not be stored: the server's storage is full or not writable" in avatar.error
    assert not avatar.image


def _manifest_models(avatar) -> list[dict]:
    from facekit.provenance import Verdict, read_provenance

    report = read_provenance(avatar.image.read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
    assert report.c2pa.verdict == Verdict.TRUSTED
    return report.c2pa.generation["models"]


def test_the_manifest_names_each_model_that_ran_with_its_licence(queued):
    generate_avatar(job_id=queued.pk)
    avatar = Avatar.objects.get(pk=queued.pk)

    generator, analyser = _manifest_models(avatar)
    assert generator == {"name": avatar.engine, "licence": "LicenseRef-NVIDIA-Source-Code-License-NC AND CC-BY-NC-SA-4.0",
                         "commercial": False}
    assert analyser == {"name": inference.analyser().name, "licence": "Apache-2.0", "commercial": True}


def test_under_the_commercial_policy_an_avatar_is_made_and_labelled_by_commercial_models(queued, settings):
    settings.SAFEFACE_MODEL_LICENCES = "commercial"
    inference._generator.cache_clear()
    inference.quality_gate.cache_clear()
    try:
        generate_avatar(job_id=queued.pk)
    finally:
        inference._generator.cache_clear()
        inference.quality_gate.cache_clear()
    avatar = Avatar.objects.get(pk=queued.pk)

    assert avatar.status == JobStatus.DONE, avatar.error
    assert avatar.engine.startswith("dcgan-digiface@")
    models = _manifest_models(avatar)
    assert models[0] == {"name": avatar.engine, "licence": "MIT", "commercial": True}
    assert all(model["commercial"] for model in models)
