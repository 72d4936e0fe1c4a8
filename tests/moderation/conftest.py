import pytest
from django.contrib.auth import get_user_model

from tests.avatars.conftest import make_avatar, media  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD


@pytest.fixture
def moderator(db):
    """Dana moderates: staff with every admin permission."""
    return get_user_model().objects.create_superuser("dana", "dana@example.com", PASSWORD)


@pytest.fixture
def public_avatar(alice, make_avatar):  # noqa: F811
    return make_avatar(alice, is_public=True)
