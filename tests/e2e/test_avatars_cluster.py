"""A real cluster takes avatars from queued to done (on the broker the settings select)."""

from pathlib import Path

import pytest

from avatars.models import Avatar
from facekit.core.jobs import JobStatus
from tests.e2e.cluster import children, loads_torch, stored, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_worker_generates_what_the_studio_queues(alice_client, alice, cluster_media):
    response = alice_client.post("/studio/", {"count": "2", "seed": "", "expression": "smile"})
    assert response.url == "/studio/"

    def all_finished():
        return not Avatar.objects.filter(owner=alice, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists()

    wait_for(all_finished, timeout=90, interval=0.5)
    avatars = list(Avatar.objects.filter(owner=alice))
    assert [a.status for a in avatars] == [JobStatus.DONE, JobStatus.DONE], [a.error for a in avatars]
    for avatar in avatars:
        assert stored(avatar.image.name)
        assert alice_client.get(f"/avatars/{avatar.pk}/image.png").status_code == 200


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_only_the_worker_processes_load_torch(alice_client, alice, cluster, cluster_media):
    """Forked workers must never inherit an initialised CUDA: the cluster's parent
    processes stay free of torch, which only the workers load, after the fork."""
    alice_client.post("/studio/", {"count": "1", "seed": ""})
    wait_for(lambda: Avatar.objects.filter(owner=alice, status=JobStatus.DONE).exists(), timeout=90, interval=0.5)

    tree = {cluster.pid: children(cluster.pid)}
    for child in list(tree[cluster.pid]):
        tree[child] = children(child)
    parents = [pid for pid, kids in tree.items() if kids]
    workers = [pid for kids in tree.values() for pid in kids if pid not in tree or not tree[pid]]
    assert parents and not any(loads_torch(pid) for pid in parents)
    assert any(loads_torch(pid) for pid in workers)
