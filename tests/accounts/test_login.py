import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_logs_in_and_out(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.url == "/accounts/"
    assert client.get("/accounts/").status_code == 200

    response = client.post("/accounts/logout/")
    assert response.url == "/"
    assert client.get("/accounts/").url.startswith("/accounts/login/")


def test_a_wrong_password_re_renders_the_form(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_the_account_page_needs_a_login(client):
    assert client.get("/accounts/").url == "/accounts/login/?next=/accounts/"


def test_logout_refuses_get(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
