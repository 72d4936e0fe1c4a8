"""Media on an S3-compatible server: moto's server mode on loopback, real HTTP and real boto3
signing (tests/s3.py). Uploads appear whole or not at all, ranges stream, presigned URLs work,
deletes and the purges leave the bucket clean, and a killed upload leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from facekit.core import storage as media
from facekit.core.orphans import purge_orphans
from facekit.core.s3 import AtomicS3Storage
from samples import s3

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def endpoint():
    return os.environ.get("SAFEFACE_S3_ENDPOINT_URL") or s3.start_server()


@pytest.fixture
def bucket(endpoint):
    name = f"storage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(endpoint, name)
    return name


@pytest.fixture
def storage(endpoint, bucket):
    return AtomicS3Storage(**s3.storage_options(endpoint, bucket, prefix="media"))


@pytest.fixture
def on_s3(settings, endpoint, bucket):
    """The site's default storage on this bucket, for tests through the views."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "facekit.core.s3.AtomicS3Storage",
                                                          "OPTIONS": s3.storage_options(endpoint, bucket, prefix="site")}}
    settings.SAFEFACE_S3_BUCKET = bucket


def test_an_upload_appears_whole_under_its_name_and_leaves_no_temporary_key(storage, endpoint, bucket):
    data = os.urandom(300_000)
    name = storage.save("swaps/results/1.mp4", ContentFile(data))
    assert name == "swaps/results/1.mp4"
    assert s3.keys(endpoint, bucket) == ["media/swaps/results/1.mp4"]
    head = s3.client(endpoint).head_object(Bucket=bucket, Key="media/swaps/results/1.mp4")
    assert head["ContentType"] == "video/mp4" and head["ContentLength"] == len(data)
    # The same name again gets a name of its own: nothing is ever replaced.
    assert storage.save("swaps/results/1.mp4", ContentFile(b"other")) != name
    assert storage.open(name).read() == data


def test_ranges_are_read_with_ranged_gets(storage):
    data = bytes(range(256)) * 1000
    name = storage.save("avatars/2.png", ContentFile(data))
    assert b"".join(media.read_range(storage, name, 1000, 5000)) == data[1000:6000]
    assert b"".join(media.read_range(storage, name, len(data) - 10, 10)) == data[-10:]


def test_a_presigned_url_fetches_the_object_and_says_when_it_expires(storage):
    name = storage.save("avatars/3.png", ContentFile(b"a picture"))
    url = storage.url(name)
    assert "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"a picture"


def test_delete_removes_the_object(storage, endpoint, bucket):
    name = storage.save("avatars/4.png", ContentFile(b"x"))
    storage.delete(name)
    assert s3.keys(endpoint, bucket) == [] and not storage.exists(name)


def test_an_unwritable_bucket_is_an_oserror_as_a_full_disk_is(endpoint):
    missing = AtomicS3Storage(**s3.storage_options(endpoint, "no-such-bucket"))
    with pytest.raises(OSError, match="did not take"):
        missing.save("avatars/5.png", ContentFile(b"x"))


def test_a_file_is_served_with_ranges_through_the_view_after_the_ownership_check(on_s3, alice_client, alice):
    from django.test import Client

    from avatars.models import Avatar

    avatar = Avatar.objects.create(owner=alice, spec={}, seed=1, status="done")
    data = os.urandom(200_000)
    avatar.image.save("9.png", ContentFile(data))
    whole = alice_client.get(f"/avatars/{avatar.pk}/image.png")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    assert whole["Content-Length"] == str(len(data))
    ranged = alice_client.get(f"/avatars/{avatar.pk}/image.png", HTTP_RANGE="bytes=100-199")
    assert ranged.status_code == 206 and ranged["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(ranged.streaming_content) == data[100:200]
    assert Client().get(f"/avatars/{avatar.pk}/image.png").status_code == 404  # not shared: nobody else


def test_retention_and_account_deletion_remove_the_objects(on_s3, alice, endpoint, bucket):
    from tests.swaps.test_retention import target_with_swap

    from swaps.tasks import purge_targets

    target, swap = target_with_swap(alice, ended_hours_ago=30)
    assert f"site/{target.file.name}" in s3.keys(endpoint, bucket)
    assert purge_targets() == 1
    assert f"site/{target.file.name}" not in s3.keys(endpoint, bucket)
    assert f"site/{swap.result.name}" in s3.keys(endpoint, bucket)  # results stay
    alice.delete()
    assert s3.keys(endpoint, bucket) == []


def test_the_purge_finds_objects_no_row_records(on_s3, alice, endpoint, bucket):
    from django.core.files.storage import default_storage

    from avatars.models import Avatar

    kept = Avatar.objects.create(owner=alice, spec={}, seed=1, status="done")
    kept.image.save("1.png", ContentFile(b"mine"))
    default_storage.save("avatars/thumbs/77.webp", ContentFile(b"a killed worker's"))
    default_storage.save("faceapi/somewhere.png", ContentFile(b"not a row's folder"))
    assert purge_orphans(default_storage, older_than=3600) == 0  # too young: a task may record it yet
    assert purge_orphans(default_storage, older_than=0) == 1
    assert s3.keys(endpoint, bucket) == sorted([f"site/{kept.image.name}", "site/faceapi/somewhere.png"])


KILLED_UPLOAD = """
import sys, time
from boto3.s3.transfer import TransferConfig
from django.conf import settings
settings.configure()
from django.core.files.base import File
sys.path.insert(0, {root!r})
from facekit.core.s3 import AtomicS3Storage
from samples import s3

class Slow:
    # A large file arriving slowly: each part waits, so the parent can kill us midway.
    closed, size = False, 40 * 2**20
    def __init__(self): self.left = self.size
    def seekable(self): return False
    def close(self): pass
    def read(self, size=-1):
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        if size: print("part", flush=True); time.sleep(0.3)
        return b"x" * size

storage = AtomicS3Storage(**s3.storage_options({endpoint!r}, {bucket!r}, prefix="media"))
storage.transfer_config = TransferConfig(multipart_threshold=5 * 2**20, multipart_chunksize=5 * 2**20, max_concurrency=1)
storage.save("swaps/results/big.mp4", File(Slow(), name="big.mp4"))
"""


def test_a_worker_killed_mid_upload_leaves_no_object_after_the_purge(storage, endpoint, bucket):
    code = textwrap.dedent(KILLED_UPLOAD).format(root=str(ROOT), endpoint=endpoint, bucket=bucket)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    parts = 0
    while parts < 3:  # a few parts are up
        line = proc.stdout.readline()
        assert line, proc.stderr.read().decode()[-2000:]
        parts += line.startswith(b"part")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    client = s3.client(endpoint)
    assert s3.keys(endpoint, bucket) == []  # nothing visible under any name
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads")  # only an unfinished upload
    time.sleep(0.01)
    assert media.temporary_leftovers(storage, older_than=0) >= 1
    assert not client.list_multipart_uploads(Bucket=bucket).get("Uploads") and s3.keys(endpoint, bucket) == []
