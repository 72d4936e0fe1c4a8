from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(db):
    """Alice owns things."""
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob(db):
    """Bob does not own Alice's things."""
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def charlie(db):
    """Charlie is staff."""
    return get_user_model().objects.create_user("charlie", "charlie@example.com", PASSWORD, is_staff=True)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def fresh_cache(settings, request):
    """A cache namespace per test, so rate-limit counters never leak between tests."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"{caches['default'].get('KEY_PREFIX', '')}-{request.node.nodeid}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def own_media(settings, request):
    """With media on S3 (SAFEFACE_TEST_S3=1), a key prefix per test, as each test that needs
    files gets a MEDIA_ROOT of its own on local storage; tests sharing a worker's media
    (tests/e2e, cluster_media) go back to the run's own prefix."""
    if not settings.SAFEFACE_S3_BUCKET:
        return
    default = settings.STORAGES["default"]
    prefix = "t-" + "".join(c if c.isalnum() else "-" for c in request.node.nodeid)[-150:]
    settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": {**default["OPTIONS"], "location": prefix}}}


def pytest_sessionfinish(session, exitstatus):
    """Django deletes this run's SQLite test database (tests/settings.py names one per run), but
    not the WAL and shared-memory files SQLite keeps beside it."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
