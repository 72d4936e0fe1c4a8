"""Another user's private avatar is a 404 everywhere: pages, partials, files, actions."""

import pytest

from avatars.models import Avatar

pytestmark = pytest.mark.django_db

READS = ["/avatars/{pk}/", "/avatars/{pk}/card/", "/avatars/{pk}/image.png", "/avatars/{pk}/thumbnail.webp", "/avatars/{pk}/delete/", "/studio/?from={pk}"]
WRITES = ["/avatars/{pk}/visibility/", "/avatars/{pk}/delete/", "/avatars/{pk}/more/", "/avatars/{pk}/retry/"]


@pytest.fixture
def private(alice, make_avatar):
    return make_avatar(alice)


@pytest.mark.parametrize("url", READS)
def test_bob_gets_a_404_reading_alices_private_avatar(client, bob, private, url):
    client.force_login(bob)
    assert client.get(url.format(pk=private.pk)).status_code == 404


@pytest.mark.parametrize("url", WRITES)
def test_bob_gets_a_404_changing_alices_private_avatar(client, bob, private, url):
    client.force_login(bob)
    assert client.post(url.format(pk=private.pk), {"public": "1"}).status_code == 404
    private.refresh_from_db()
    assert not private.is_public and Avatar.objects.count() == 1


@pytest.mark.parametrize("url", READS)
def test_anonymous_gets_a_404_or_the_login_page(client, private, url):
    response = client.get(url.format(pk=private.pk))
    assert response.status_code == 404 or response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/avatars/{pk}/visibility/", "/avatars/{pk}/delete/", "/avatars/{pk}/retry/"])
def test_bob_cannot_change_alices_public_avatar(client, bob, alice, make_avatar, url):
    public = make_avatar(alice, is_public=True)
    client.force_login(bob)
    assert client.post(url.format(pk=public.pk), {"public": "0"}).status_code == 404
    public.refresh_from_db()
    assert public.is_public


def test_bob_sees_alices_public_avatar_but_not_its_owner_controls(client, bob, alice, make_avatar):
    public = make_avatar(alice, is_public=True)
    client.force_login(bob)
    html = client.get(f"/avatars/{public.pk}/").content.decode()
    assert "Make private" not in html and "Delete…" not in html
    assert client.get(f"/avatars/{public.pk}/card/").status_code == 404


def test_an_avatar_file_gone_from_storage_is_a_404_not_an_error(alice, alice_client, make_avatar):
    avatar = make_avatar(alice)
    avatar.image.storage.delete(avatar.image.name)

    assert alice_client.get(f"/avatars/{avatar.pk}/image.png").status_code == 404


def test_avatar_images_answer_range_requests(alice, alice_client, make_avatar):
    avatar = make_avatar(alice)

    response = alice_client.get(f"/avatars/{avatar.pk}/image.png", HTTP_RANGE="bytes=0-9")

    assert response.status_code == 206 and response["Content-Range"].startswith("bytes 0-9/")
