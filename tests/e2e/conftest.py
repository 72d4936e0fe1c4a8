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
def cluster_media(cluster, settings):
    """Use the cluster's media folder in this process too."""
    settings.MEDIA_ROOT = cluster.media
    return cluster.media
