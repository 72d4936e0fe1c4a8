import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_asks_for_confirmation_first(alice_client):
    response = alice_client.get("/accounts/delete/")
    assert response.status_code == 200
    assert b"Delete everything" in response.content
    assert get_user_model().objects.filter(username="alice").exists()


def test_a_wrong_password_deletes_nothing(alice_client):
    response = alice_client.post("/accounts/delete/", {"password": "nope"})
    assert response.status_code == 200
    assert b"That is not your password." in response.content
    assert get_user_model().objects.filter(username="alice").exists()


def test_it_deletes_the_account_and_logs_out(alice_client, bob):
    response = alice_client.post("/accounts/delete/", {"password": PASSWORD}, follow=True)
    assert b"Your account and all your data were deleted." in response.content
    assert not response.context["user"].is_authenticated
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["bob"]


def test_it_needs_a_login(client):
    assert client.post("/accounts/delete/", {"password": PASSWORD}).url.startswith("/accounts/login/")
