"""Two workers get the same task at once: one claims it, the result is written once."""

import posixpath
import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from avatars.models import Avatar
from avatars.tasks import generate_avatar
from facekit.engines.vocabulary import validate_spec
from facekit.core.jobs import JobStatus
from facekit.core.storage import stored_files

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_two_deliveries_at_once_write_one_result(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    avatar = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=5, size=256)
    start = threading.Barrier(2)

    def deliver():
        start.wait()
        try:
            generate_avatar(job_id=avatar.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    avatar.refresh_from_db()
    assert (avatar.status, avatar.attempts) == (JobStatus.DONE, 1)
    stored = sorted(posixpath.basename(name) for name, _ in stored_files(default_storage, "avatars", hidden=True))
    assert stored == [f"{avatar.pk}.png", f"{avatar.pk}.webp"]
