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
