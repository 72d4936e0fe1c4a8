"""Queues by hardware with real clusters (SAFEFACE_QUEUES=split here and in the clusters, on
the broker the settings select): GPU work never runs on the CPU cluster, CPU work never on
the GPU one. The split clusters' names are not the session `cluster`'s queue, so it takes
none of this test's tasks and this test none of its."""

import pytest
from django.core.files.base import ContentFile
from django_q.brokers import get_broker
from django_q.models import Task

from avatars.models import Avatar
from facekit.core.jobs import JobStatus
from swaps.models import Target
from tests.e2e.cluster import running_cluster, wait_for
from tests.swaps import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def split(settings, tmp_path, shared_bucket):
    """Split queues in this process; the environment that gives the clusters the same."""
    name = settings.Q_CLUSTER["name"]
    settings.SAFEFACE_QUEUES = "split"
    settings.SAFEFACE_CLUSTERS = {"cpu": f"{name}-cpu", "gpu": f"{name}-gpu"}
    settings.MEDIA_ROOT = tmp_path / "media"
    # Engines load on a worker's first task; warming every one at start would only slow this down.
    env = {"SAFEFACE_QUEUES": "split", "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SAFEFACE_WARM_ENGINES": "false"}
    yield settings.SAFEFACE_CLUSTERS, env
    for cluster in settings.SAFEFACE_CLUSTERS.values():
        get_broker(cluster).purge_queue()


def upload(owner) -> Target:
    """An uploaded photo, queued for analysis as the upload view queues it."""
    target = Target(owner=owner, kind="image")
    target.file.save("t1.jpg", ContentFile(samples.T1.read_bytes()), save=False)
    target.save()
    target.enqueue()
    return target


def status(row):
    return type(row).objects.get(pk=row.pk).status


def test_gpu_work_waits_for_the_gpu_cluster_and_cpu_work_for_the_cpu_one(alice_client, alice, split):
    clusters, env = split
    assert alice_client.post("/studio/", {"count": "1", "seed": "5"}).status_code == 302
    avatar = Avatar.objects.get(owner=alice)
    first = upload(alice)

    with running_cluster(**env):
        wait_for(lambda: status(first) == JobStatus.DONE, timeout=90, interval=0.3)
        assert status(avatar) == JobStatus.QUEUED
    assert get_broker(clusters["gpu"]).queue_size() == 1  # the avatar, still waiting for a GPU

    second = upload(alice)
    with running_cluster(**env, Q_CLUSTER_NAME=clusters["gpu"]):
        wait_for(lambda: status(avatar) == JobStatus.DONE, timeout=120, interval=0.3)
        assert status(second) == JobStatus.QUEUED
    assert get_broker(clusters["cpu"]).queue_size() == 1  # the second upload's analysis

    avatar.refresh_from_db()
    assert avatar.attempts == 1 and avatar.image.name
    # django-q2's own record of each finished task says where it was sent.
    ran = dict(Task.objects.filter(func__in=["avatars.tasks.generate_avatar", "swaps.tasks.analyse_target"]).values_list("func", "cluster"))
    assert ran == {"avatars.tasks.generate_avatar": clusters["gpu"], "swaps.tasks.analyse_target": clusters["cpu"]}
