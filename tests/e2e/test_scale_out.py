"""Many machines, no shared disk: the web process and the worker have different, empty media
folders and share only the database, the broker and an S3-compatible server. Runs where media
is on S3 (SAFEFACE_TEST_S3=1: .ci/run's PostgreSQL + Redis pass)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from avatars.models import Avatar
from facekit.core.jobs import JobStatus
from swaps.models import SwapJob, Target
from samples import s3
from tests.conftest import PASSWORD
from tests.e2e.cluster import wait_for
from tests.swaps import samples

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not django_settings.SAFEFACE_S3_BUCKET, reason="media is on local files in this run (SAFEFACE_TEST_S3=1 puts it on S3)"),
]


def done(model, **filters):
    def check():
        row = model.objects.filter(**filters).order_by("-pk").first()
        return row if row is not None and row.status in (JobStatus.DONE, JobStatus.FAILED) else None

    return check


def media_files(folder: Path) -> list[Path]:
    """Files of the avatars and swaps below a media folder (the face API keeps a local copy
    of its cache beside them: faceapi/)."""
    return [path for part in ("avatars", "swaps") for path in (folder / part).rglob("*") if path.is_file()]


def swapped(client, avatar, name, data, content_type, choice) -> SwapJob:
    response = client.post("/swaps/new/", {"avatar": avatar.pk, "target": SimpleUploadedFile(name, data, content_type)})
    assert response.status_code == 302, response.content.decode()[:2000]
    target = wait_for(done(Target, owner=avatar.owner), timeout=120, interval=0.3)
    assert target.status == JobStatus.DONE and target.faces, target.error
    assert client.post(f"/swaps/targets/{target.pk}/", {"avatar": avatar.pk, **choice}).status_code == 302
    swap = wait_for(done(SwapJob, target=target), timeout=300, interval=0.5)
    assert swap.status == JobStatus.DONE, swap.error
    return swap


def test_web_and_worker_share_only_the_database_the_broker_and_the_bucket(client, cluster, shared_bucket, settings, tmp_path):
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tmp_path / "web-media"  # empty, and not the worker's (cluster.media)
    settings.SAFEFACE_API_CACHE_DIR = str(tmp_path / "web-face-cache")  # nor the worker's face API cache
    endpoint, bucket = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"], settings.SAFEFACE_S3_BUCKET
    before = set(s3.keys(endpoint, bucket))

    response = client.post("/accounts/signup/", {"username": "erin", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    client.post("/studio/", {"count": "1", "seed": "11"})
    avatar = wait_for(done(Avatar, owner__username="erin"), timeout=120, interval=0.5)
    assert avatar.status == JobStatus.DONE, avatar.error

    # The face API: the worker draws the face on its machine, the web serves it from the bucket.
    face = wait_for(lambda: (r := client.get("/api/face?value=scale-out&dim=128")).status_code == 200 and r,
                    timeout=120, interval=0.5)
    assert face["Content-Type"] == "image/webp"
    assert any(key.startswith("faceapi/") for key in s3.keys(endpoint, bucket))

    photo = swapped(client, avatar, "t1.jpg", samples.T1.read_bytes(), "image/jpeg", {"which": "largest"})
    clip = samples.clip(tmp_path / "clip.mp4", seconds=1.0, fps=10, width=320, height=240)
    video = swapped(client, avatar, "clip.mp4", clip.read_bytes(), "video/mp4", {"which": "all"})

    for swap, extension in ((photo, "jpg"), (video, "mp4")):
        stored = default_storage.open(swap.result.name).read()
        ranged = client.get(f"/swaps/{swap.pk}/result.{extension}", HTTP_RANGE="bytes=100-1099")
        assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == stored[100:1100]
    ours = set(s3.keys(endpoint, bucket)) - before
    assert {photo.result.name, video.result.name, avatar.image.name} <= ours
    assert media_files(settings.MEDIA_ROOT) == [] and media_files(cluster.media) == []  # no local media anywhere

    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    left = {key for key in set(s3.keys(endpoint, bucket)) - before if not key.startswith("faceapi/")}
    assert left == set()  # every object of the account is gone (the face API's cache is nobody's)
