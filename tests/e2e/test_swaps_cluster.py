"""A real cluster takes a photo swap and a video swap from upload to done (on the broker
the settings select): the analysis of the upload and the swap both run on the queue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from avatars.models import Avatar
from facekit.core.jobs import JobStatus
from swaps import files
from swaps.models import SwapJob, Target
from tests.e2e.cluster import stored, wait_for
from tests.swaps import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finished(model, **filters):
    def check():
        row = model.objects.filter(**filters).first()
        return row if row is not None and row.status in (JobStatus.DONE, JobStatus.FAILED) else None

    return check


@pytest.fixture
def avatar(alice_client, alice, cluster_media):
    alice_client.post("/studio/", {"count": "1", "seed": "5"})
    made = wait_for(finished(Avatar, owner=alice), timeout=120, interval=0.5)
    assert made.status == JobStatus.DONE, made.error
    return made


def swap_to_done(client, avatar, name, data, content_type, choice):
    response = client.post("/swaps/new/", {"avatar": avatar.pk, "target": SimpleUploadedFile(name, data, content_type)})
    assert response.status_code == 302, response.content.decode()[:2000]
    target = wait_for(finished(Target, pk=Target.objects.latest("pk").pk), timeout=120, interval=0.3)
    assert target.status == JobStatus.DONE and target.faces, target.error
    response = client.post(f"/swaps/targets/{target.pk}/", {"avatar": avatar.pk, **choice})
    assert response.status_code == 302, response.content.decode()[:2000]
    swap = wait_for(finished(SwapJob, pk=SwapJob.objects.latest("pk").pk), timeout=300, interval=0.5)
    assert swap.status == JobStatus.DONE, swap.error
    return swap


def test_the_worker_swaps_two_faces_of_a_photo(alice_client, avatar, cluster_media):
    swap = swap_to_done(alice_client, avatar, "t1.jpg", samples.T1.read_bytes(), "image/jpeg",
                        {"which": "chosen", "face_0": "on", "face_1": "on"})
    assert len(swap.mapping) == 2 and stored(swap.result.name)
    assert alice_client.get(f"/swaps/{swap.pk}/result.jpg").status_code == 200


def test_the_worker_swaps_a_video_and_keeps_its_sound(alice_client, avatar, cluster_media, tmp_path):
    import av

    clip = samples.clip(tmp_path / "clip.mp4", seconds=1.0, fps=10, width=320, height=240)
    swap = swap_to_done(alice_client, avatar, "clip.mp4", clip.read_bytes(), "video/mp4", {"which": "all"})
    assert swap.fps > 0
    with files.local_path(swap.result) as local, av.open(str(local)) as video:
        assert video.streams.video and video.streams.audio
    ranged = alice_client.get(f"/swaps/{swap.pk}/result.mp4", HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206


def test_a_worker_killed_mid_video_swap_is_replaced_and_the_swap_ends_done_once(alice_client, avatar, cluster, cluster_media, tmp_path):
    import os
    import signal
    from datetime import timedelta

    from django.utils import timezone

    from facekit.core import jobs
    from tests.e2e.cluster import children, loads_torch

    clip = samples.clip(tmp_path / "long.mp4", seconds=8.0, fps=25, width=320, height=240)  # a few seconds of work
    response = alice_client.post("/swaps/new/", {"avatar": avatar.pk, "target": SimpleUploadedFile("long.mp4", clip.read_bytes(), "video/mp4")})
    assert response.status_code == 302
    target = wait_for(finished(Target, pk=Target.objects.latest("pk").pk), timeout=120, interval=0.3)
    alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": avatar.pk, "which": "all"})
    swap = SwapJob.objects.latest("pk")

    wait_for(lambda: SwapJob.objects.filter(pk=swap.pk, status=JobStatus.RUNNING).exists(), timeout=60, interval=0.05)
    workers = [pid for parent in [cluster.pid, *children(cluster.pid)] for pid in children(parent) if loads_torch(pid)]
    assert workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    jobs.reap(now=timezone.now() + timedelta(hours=1))  # the lease has run out, as the scheduled reaper would find

    done = wait_for(finished(SwapJob, pk=swap.pk), timeout=300, interval=0.5)
    assert (done.status, done.attempts) == (JobStatus.DONE, 2), done.error
    assert stored(done.result.name)
    leftovers = [p.name for p in cluster_media.rglob("*") if p.is_file() and (p.name.startswith(".") or p.suffix in (".part", ".tmp"))]
    assert leftovers == []
