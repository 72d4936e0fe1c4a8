
import pytest

from django.core.files.storage import default_storage

from avatars.models import Avatar
from moderation.models import Visibility
from facekit.core.storage import stored_files
from facekit.core.jobs import JobStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_my_avatars_lists_mine_newest_first(alice_client, alice, bob, make_avatar):
    old, new = make_avatar(alice), make_avatar(alice)
    make_avatar(bob)
    page = alice_client.get("/avatars/").context["page"]
    assert [a.pk for a in page] == [new.pk, old.pk]


def test_my_avatars_filters_by_attribute(alice_client, alice, make_avatar):
    red = make_avatar(alice, spec={"hair_colour": "red"})
    make_avatar(alice, spec={"hair_colour": "black"})
    page = alice_client.get("/avatars/?hair_colour=red").context["page"]
    assert [a.pk for a in page] == [red.pk]


def test_load_more_returns_the_next_page_as_a_fragment(alice_client, alice, make_avatar):
    for _ in range(25):
        make_avatar(alice, status=JobStatus.QUEUED)
    first = alice_client.get("/avatars/")
    assert len(first.context["page"]) == 24
    assert b'hx-get="?page=2"' in first.content
    more = alice_client.get("/avatars/?page=2", headers={"HX-Request": "true"})
    assert b"<html" not in more.content
    assert more.content.count(b'class="avatar-card') == 1
    assert b"Load more" not in more.content


def test_an_unfinished_card_polls_and_a_finished_one_stops(alice_client, alice, make_avatar):
    queued = make_avatar(alice, status=JobStatus.QUEUED)
    done = make_avatar(alice)
    assert b'hx-trigger="every 1s"' in alice_client.get(f"/avatars/{queued.pk}/card/").content
    card = alice_client.get(f"/avatars/{done.pk}/card/").content
    assert b"hx-trigger" not in card and f"/avatars/{done.pk}/thumbnail.webp".encode() in card


def test_a_failed_card_says_why_and_retries(alice_client, alice, make_avatar, django_capture_on_commit_callbacks):
    failed = make_avatar(alice, status=JobStatus.FAILED, error="No usable face after 5 tries.")
    card = alice_client.get(f"/avatars/{failed.pk}/card/").content
    assert b"No usable face after 5 tries." in card and b"Retry" in card
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.post(f"/avatars/{failed.pk}/retry/", headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in response.content
    assert len(callbacks) == 1
    assert Avatar.objects.get(pk=failed.pk).status == JobStatus.QUEUED


def test_the_avatar_page_shows_spec_engine_and_seed(alice_client, alice, make_avatar):
    avatar = make_avatar(alice, spec={"glasses": "round"}, seed=31337, engine="dcgan-digiface@1.1.1")
    html = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    assert "Round" in html and "31337" in html and "dcgan-digiface@1.1.1" in html
    assert f"/avatars/{avatar.pk}/image.png?download=1" in html


def test_download_is_an_attachment_png(alice_client, alice, make_avatar):
    avatar = make_avatar(alice)
    response = alice_client.get(f"/avatars/{avatar.pk}/image.png?download=1")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="safeface-avatar-{avatar.pk}.png"'
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_sharing_puts_it_in_the_public_gallery_for_everyone(alice_client, alice, make_avatar, client):
    avatar = make_avatar(alice)
    alice_client.post(f"/avatars/{avatar.pk}/visibility/", {"public": "1"})
    alice_client.post("/accounts/logout/")

    assert [a.pk for a in client.get("/gallery/").context["page"]] == [avatar.pk]
    assert client.get(f"/avatars/{avatar.pk}/").status_code == 200
    assert client.get(f"/avatars/{avatar.pk}/image.png").status_code == 200


def test_the_gallery_leaves_out_private_hidden_and_unfinished_avatars(client, alice, make_avatar):
    make_avatar(alice)
    make_avatar(alice, is_public=True, moderation=Visibility.HIDDEN)
    make_avatar(alice, is_public=True, status=JobStatus.QUEUED)
    shown = make_avatar(alice, is_public=True)
    assert [a.pk for a in client.get("/gallery/").context["page"]] == [shown.pk]


def test_deleting_asks_first_then_removes_the_row_and_its_files(alice_client, alice, make_avatar):
    avatar = make_avatar(alice)
    storage, names = avatar.image.storage, [avatar.image.name, avatar.thumbnail.name]
    assert b"Delete this avatar?" in alice_client.get(f"/avatars/{avatar.pk}/delete/").content
    assert Avatar.objects.filter(pk=avatar.pk).exists()

    response = alice_client.post(f"/avatars/{avatar.pk}/delete/")
    assert response.url == "/avatars/"
    assert not Avatar.objects.filter(pk=avatar.pk).exists()
    assert not any(storage.exists(name) for name in names)


def test_several_can_be_deleted_at_once_after_confirming(alice_client, alice, bob, make_avatar):
    mine = [make_avatar(alice) for _ in range(3)]
    theirs = make_avatar(bob)
    chosen = [mine[0].pk, mine[1].pk]
    confirm = alice_client.post("/avatars/delete/", {"avatars": chosen})
    assert b"Delete 2 avatars?" in confirm.content
    assert Avatar.objects.count() == 4

    alice_client.post("/avatars/delete/", {"avatars": chosen, "confirm": "yes"})
    assert set(Avatar.objects.values_list("pk", flat=True)) == {mine[2].pk, theirs.pk}


def test_someone_elses_avatar_cannot_be_selected_for_deletion(alice_client, bob, make_avatar):
    theirs = make_avatar(bob)
    alice_client.post("/avatars/delete/", {"avatars": [theirs.pk], "confirm": "yes"})
    assert Avatar.objects.filter(pk=theirs.pk).exists()


def test_deleting_the_account_removes_every_row_and_file(alice_client, alice, make_avatar, media):
    for _ in range(3):
        make_avatar(alice)
    make_avatar(alice, status=JobStatus.FAILED)
    assert list(stored_files(default_storage, "", hidden=True))
    alice_client.post("/accounts/delete/", {"password": PASSWORD})
    assert list(stored_files(default_storage, "", hidden=True)) == []
    assert Avatar.objects.count() == 0
