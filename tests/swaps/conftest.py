import numpy as np
import pytest
from django.core.files.base import ContentFile

from avatars.models import Avatar
from avatars.tasks import generate_avatar
from facekit.engines.vocabulary import validate_spec
from facekit.core.jobs import JobStatus
from swaps.models import SwapJob, Target
from tests.swaps import samples
from tests.images import png_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def stored_files(settings):
    """Every stored file (media, local or on S3) and every file in the upload temp folder, to
    prove nothing was left."""
    from pathlib import Path

    from django.core.files.storage import default_storage

    from facekit.core import storage

    def files():
        found = [f"/{name}" for name, _ in storage.stored_files(default_storage, "", hidden=True)]
        return found + [str(p) for p in Path(settings.FILE_UPLOAD_TEMP_DIR).rglob("*") if p.is_file()]

    return files


@pytest.fixture
def make_avatar(media):
    """A finished avatar row with a small plain image (for views; tasks use real faces)."""
    from facekit.core.files import encode_thumbnail
    from facekit.engines.vocabulary import validate_spec

    def make(owner, status=JobStatus.DONE, rgb=None, **fields):
        avatar = Avatar.objects.create(owner=owner, spec=validate_spec({"expression": "smile"}), seed=7, status=status, **fields)
        if status == JobStatus.DONE:
            rgb = np.full((64, 64, 3), 120, dtype=np.uint8) if rgb is None else rgb
            avatar.image.save(f"{avatar.pk}.png", ContentFile(png_bytes(rgb)), save=False)
            avatar.thumbnail.save(f"{avatar.pk}.webp", ContentFile(encode_thumbnail(rgb)), save=False)
            avatar.save()
        return avatar

    return make


@pytest.fixture
def alices_avatar(alice, make_avatar):
    return make_avatar(alice)


@pytest.fixture
def no_queue(monkeypatch):
    """Views check that the broker answers; in view tests it does, and sending is a no-op
    (the tasks are tested on their own)."""
    from facekit.core import jobs

    sent = []
    monkeypatch.setattr(jobs, "queue_available", lambda: True)
    monkeypatch.setattr(jobs, "_send", lambda model, job_id: sent.append((model.task, job_id)))
    return sent


@pytest.fixture
def swap(alice, alices_avatar):
    """A finished photo swap of Alice's, with small real files."""
    target = Target.objects.create(owner=alice, kind="image", status=JobStatus.DONE, faces=[{"box": [10, 10, 50, 50], "area": 1600}],
                                   preview_size=[320, 240])
    target.file.save("t.jpg", ContentFile(samples.jpeg()), save=False)
    target.preview.save("p.jpg", ContentFile(samples.jpeg()), save=False)
    target.save()
    swap = SwapJob.objects.create(owner=alice, target=target, kind="image", avatar=alices_avatar, selection="all",
                                  mapping=[{"face": 0, "avatar": alices_avatar.pk}], status=JobStatus.DONE)
    swap.result.save("r.jpg", ContentFile(samples.jpeg()), save=False)
    swap.thumbnail.save("r.webp", ContentFile(samples.jpeg()), save=False)
    swap.save()
    return swap


@pytest.fixture
def generated(alice, settings):
    """Two real avatars made by the studio's own task (DCGAN + quality gate)."""
    settings.SAFEFACE_THUMBNAIL_SIZE = 64
    made = []
    for seed in (11, 12):
        avatar = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=seed, size=256)
        generate_avatar(job_id=avatar.pk)
        avatar.refresh_from_db()
        assert avatar.status == JobStatus.DONE, avatar.error
        made.append(avatar)
    return made
