"""A real cluster takes avatars from queued to done (on the broker the settings select)."""

import pytest

from avatars.models import Avatar
from safeface.jobs import JobStatus
from tests.e2e.cluster import wait_for

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
        assert (cluster_media / avatar.image.name).is_file()
        assert alice_client.get(f"/avatars/{avatar.pk}/image.png").status_code == 200
