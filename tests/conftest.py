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
