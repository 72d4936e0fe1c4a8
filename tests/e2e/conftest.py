import os
from types import SimpleNamespace

import pytest

from tests.e2e.cluster import running_cluster


@pytest.fixture(scope="session")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real django-q2 cluster for the e2e tests, with a media folder of its own."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), running_cluster(MEDIA_ROOT=str(media)) as proc:
        yield SimpleNamespace(media=media, pid=proc.pid)


@pytest.fixture
def cluster_media(cluster, settings, shared_bucket):
    """Use the cluster's media folder in this process too (and with media on S3, its prefix)."""
    settings.MEDIA_ROOT = cluster.media
    return cluster.media


@pytest.fixture
def shared_bucket(settings):
    """With media on S3 (SAFEFACE_TEST_S3=1), this process's storage back on the prefix the
    worker cluster uses (the run's own, not the test's: tests/conftest.py own_media)."""
    if settings.SAFEFACE_S3_BUCKET:
        default = settings.STORAGES["default"]
        options = {**default["OPTIONS"], "location": os.environ.get("SAFEFACE_S3_PREFIX", "").strip("/")}
        settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": options}}

