import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_too_many_log_ins_get_a_friendly_429(client, alice, settings):
    settings.SAFEFACE_LOGIN_RATE = "3/m"
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert b"Too many tries" in response.content
    assert "_auth_user_id" not in client.session


def test_one_username_is_limited_across_addresses(client, alice, settings):
    settings.SAFEFACE_LOGIN_RATE = "2/m"
    for address in ("10.0.0.1", "10.0.0.2"):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 429


def test_sign_ups_are_limited(client, settings):
    settings.SAFEFACE_SIGNUP_RATE = "1/m"
    client.post("/accounts/signup/", {"username": "dora", "password1": PASSWORD, "password2": PASSWORD})
    client.post("/accounts/logout/")
    response = client.post("/accounts/signup/", {"username": "erin", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 429
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["dora"]


def test_password_resets_are_limited(client, alice, settings):
    settings.SAFEFACE_PASSWORD_RESET_RATE = "1/h"
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert client.post("/accounts/password/reset/", {"email": "alice@example.com"}).status_code == 429


def test_reading_the_forms_is_never_limited(client, settings):
    settings.SAFEFACE_LOGIN_RATE = "1/m"
    for _ in range(3):
        assert client.get("/accounts/login/").status_code == 200
