"""Another user's swap, upload or file is a 404 everywhere; anonymous visitors get a 404
or the log-in page; state changes need a CSRF token."""


import pytest
from django.test import Client

from facekit.core.jobs import JobStatus
from swaps.models import SwapJob, Target

pytestmark = pytest.mark.django_db


READS = [
    "/swaps/{pk}/", "/swaps/{pk}/status/", "/swaps/{pk}/card/", "/swaps/{pk}/result.jpg", "/swaps/{pk}/thumbnail.webp",
    "/swaps/{pk}/delete/", "/swaps/targets/{target}/", "/swaps/targets/{target}/preview.jpg", "/swaps/targets/{target}/original",
]
WRITES = ["/swaps/{pk}/cancel/", "/swaps/{pk}/visibility/", "/swaps/{pk}/delete/", "/swaps/targets/{target}/", "/swaps/targets/{target}/frame/"]


def url(template, swap):
    return template.format(pk=swap.pk, target=swap.target_id)


@pytest.mark.parametrize("path", READS)
def test_bob_gets_a_404_reading_alices_swap(client, bob, swap, path):
    client.force_login(bob)
    assert client.get(url(path, swap)).status_code == 404


@pytest.mark.parametrize("path", WRITES)
def test_bob_gets_a_404_changing_alices_swap(client, bob, swap, path, no_queue):
    client.force_login(bob)
    assert client.post(url(path, swap), {"public": "1", "which": "all", "seconds": "1"}).status_code == 404
    swap.refresh_from_db()
    assert not swap.is_public and SwapJob.objects.count() == 1 and Target.objects.get().status == JobStatus.DONE


@pytest.mark.parametrize("path", READS)
def test_anonymous_gets_a_404_or_the_login_page(client, swap, path):
    response = client.get(url(path, swap))
    assert response.status_code == 404 or response.url.startswith("/accounts/login/")


def test_alice_reads_every_url_of_her_own_swap(alice_client, swap):
    for path in READS:
        assert alice_client.get(url(path, swap)).status_code == 200, path


def test_a_public_swap_shows_its_result_to_others_but_never_the_original(client, bob, swap):
    swap.is_public = True
    swap.save()
    client.force_login(bob)
    page = client.get(f"/swaps/{swap.pk}/")
    assert page.status_code == 200 and b"/original" not in page.content and b"The original is private." in page.content
    assert b"Delete" not in page.content and b"Make private" not in page.content
    assert client.get(f"/swaps/{swap.pk}/result.jpg").status_code == 200
    for path in ("/swaps/targets/{target}/original", "/swaps/targets/{target}/preview.jpg", "/swaps/{pk}/status/"):
        assert client.get(url(path, swap)).status_code == 404
    swap.moderation = "hidden"
    swap.save()
    assert client.get(f"/swaps/{swap.pk}/").status_code == 404


@pytest.mark.parametrize("path", WRITES)
def test_state_changes_without_a_csrf_token_are_refused(alice, swap, path, no_queue):
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(alice)
    assert forged.post(url(path, swap), {"public": "1"}).status_code == 403
    swap.refresh_from_db()
    assert not swap.is_public and SwapJob.objects.count() == 1


def test_media_responses_say_nosniff_and_downloads_are_attachments(alice_client, swap):
    response = alice_client.get(f"/swaps/{swap.pk}/result.jpg?download=1")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


def test_range_requests(alice_client, swap):
    whole = swap.result.open("rb").read()
    part = alice_client.get(f"/swaps/{swap.pk}/result.jpg", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == whole[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(whole)}" and part["Accept-Ranges"] == "bytes"
    tail = alice_client.get(f"/swaps/{swap.pk}/result.jpg", HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == whole[-5:]
    assert alice_client.get(f"/swaps/{swap.pk}/result.jpg", HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416
    assert alice_client.get(f"/swaps/{swap.pk}/result.jpg", HTTP_RANGE="bytes=0-1,5-6").status_code == 200


def test_owner_actions(alice_client, swap):
    alice_client.post(f"/swaps/{swap.pk}/visibility/", {"public": "1"})
    swap.refresh_from_db()
    assert swap.is_public
    storage, result = swap.result.storage, swap.result.name
    assert alice_client.post(f"/swaps/{swap.pk}/delete/").url == "/swaps/"
    assert SwapJob.objects.count() == 0 and not storage.exists(result)


def test_a_queued_swap_can_be_cancelled_and_its_panel_stops_polling(alice_client, swap):
    SwapJob.objects.filter(pk=swap.pk).update(status=JobStatus.QUEUED)
    panel = alice_client.get(f"/swaps/{swap.pk}/status/").content
    assert b"every 1s" in panel
    alice_client.post(f"/swaps/{swap.pk}/cancel/")
    swap.refresh_from_db()
    assert swap.status == JobStatus.FAILED and swap.cancelled
    assert alice_client.get(f"/swaps/{swap.pk}/status/?was=queued", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert b"every 1s" not in alice_client.get(f"/swaps/{swap.pk}/status/").content


def test_my_swaps_loads_more(alice_client, swap):
    for _ in range(30):
        SwapJob.objects.create(owner=swap.owner, target=swap.target, kind="image", selection="all", mapping=swap.mapping)
    first = alice_client.get("/swaps/").content.decode()
    assert first.count('class="avatar-card swap-card') == 24 and "?page=2" in first
    more = alice_client.get("/swaps/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="avatar-card swap-card') == 7 and "<html" not in more


def test_a_tampered_avatar_in_the_face_picker_is_refused(alice_client, swap, bob, make_avatar, no_queue):
    bobs = make_avatar(bob)
    response = alice_client.post(f"/swaps/targets/{swap.target_id}/", {"avatar": swap.avatar_id, "which": "all", "avatar_0": bobs.pk})
    assert response.status_code == 200 and b"Pick one of your avatars" in response.content
    assert SwapJob.objects.count() == 1
