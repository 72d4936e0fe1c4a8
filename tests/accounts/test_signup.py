import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_shows_the_form(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_it_creates_the_account_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "dora", "email": "", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/"
    assert response.context["user"].username == "dora"
    assert b"Your account is ready" in response.content


def test_a_taken_name_re_renders_the_form_with_a_message(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert b"A user with that username already exists." in response.content
    assert b'value="alice"' in response.content  # nothing typed is lost
    assert get_user_model().objects.count() == 1


def test_a_weak_password_re_renders_the_form_with_messages(client):
    response = client.post("/accounts/signup/", {"username": "dora", "password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert b"This password is too short." in response.content
    assert b"This password is entirely numeric." in response.content
    assert not get_user_model().objects.filter(username="dora").exists()


def test_a_logged_in_person_is_sent_to_their_account(alice_client):
    assert alice_client.get("/accounts/signup/").url == "/accounts/"
