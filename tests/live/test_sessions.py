"""Starting, following and stopping a live session (the web side: rows only, no media), and how
live workers claim sessions and lose them."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from live.models import WORKER_GONE, LiveSession, Status

pytestmark = pytest.mark.django_db


def start(client, avatar, offer, **extra):
    return client.post("/live/sessions/", json.dumps({"avatar": avatar.pk, "offer": offer, **extra}), content_type="application/json")


def test_the_live_page_offers_the_persons_avatars(alice_client, alice, make_avatar):
    avatar = make_avatar(alice)
    page = alice_client.get("/live/").content.decode()
    assert f'value="{avatar.pk}"' in page and "Start the camera" in page and 'id="live-ice-servers"' in page


def test_the_live_page_needs_an_account(client):
    assert client.get("/live/")["Location"].startswith("/accounts/login/")


def test_an_offer_becomes_a_session_waiting_for_a_worker(alice_client, alice, make_avatar, offer):
    response = start(alice_client, make_avatar(alice), offer)
    assert response.status_code == 201
    body = response.json()
    session = LiveSession.objects.get(pk=body["id"])
    assert session.status == Status.OFFERED and session.offer == offer and session.owner == alice
    assert body["url"] == f"/live/sessions/{session.pk}" and body["answer"] is None


@pytest.mark.parametrize("payload, message", [
    ("not json", "Send JSON"),
    (json.dumps({"avatar": 1}), "Send JSON"),
    (json.dumps({"avatar": "x", "offer": "v=0"}), "Send JSON"),
])
def test_a_malformed_start_is_refused_with_a_reason(alice_client, payload, message):
    response = alice_client.post("/live/sessions/", payload, content_type="application/json")
    assert response.status_code == 400 and message in response.json()["error"]


def test_an_offer_without_video_is_refused(alice_client, alice, make_avatar):
    response = start(alice_client, make_avatar(alice), "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n")
    assert response.status_code == 400 and "video" in response.json()["error"]


def test_someone_elses_private_avatar_is_not_a_source(alice_client, bob, make_avatar, offer):
    response = start(alice_client, make_avatar(bob), offer)
    assert response.status_code == 400 and "Pick one of your finished avatars" in response.json()["error"]
    assert not LiveSession.objects.exists()


def test_one_live_session_at_a_time(alice_client, alice, make_avatar, offer):
    avatar = make_avatar(alice)
    assert start(alice_client, avatar, offer).status_code == 201
    again = start(alice_client, avatar, offer)
    assert again.status_code == 409 and "one at a time" in again.json()["error"]


def test_starting_too_often_is_refused(alice_client, alice, make_avatar, offer, settings):
    settings.SAFEFACE_LIVE_RATE = "2/h"
    avatar = make_avatar(alice)
    for _ in range(2):
        created = start(alice_client, avatar, offer).json()
        alice_client.post(f"/live/sessions/{created['id']}/stop")
    refused = start(alice_client, avatar, offer)
    assert refused.status_code == 429 and "very fast" in refused.json()["error"]


def test_a_session_is_its_owners_only(alice_client, alice, bob, client, make_avatar, offer):
    created = start(alice_client, make_avatar(alice), offer).json()
    client.force_login(bob)
    assert client.get(created["url"]).status_code == 404
    assert client.post(f"{created['url']}/stop").status_code == 404


def test_stopping_an_offer_no_worker_took_ends_it(alice_client, alice, make_avatar, offer):
    created = start(alice_client, make_avatar(alice), offer).json()
    stopped = alice_client.post(f"{created['url']}/stop").json()
    assert stopped["status"] == "ended"
    session = LiveSession.objects.get(pk=created["id"])
    assert session.stop_requested and session.ended_at is not None


def test_two_workers_never_claim_the_same_session(alice, make_avatar, offer):
    LiveSession.objects.create(owner=alice, avatar=make_avatar(alice), offer=offer)
    first, second = LiveSession.objects.claim_next("one:1"), LiveSession.objects.claim_next("two:2")
    assert first is not None and first.worker == "one:1" and first.status == Status.CONNECTING
    assert second is None


def test_a_running_session_stops_at_the_workers_next_heartbeat(alice_client, alice, make_avatar, offer):
    created = start(alice_client, make_avatar(alice), offer).json()
    session = LiveSession.objects.claim_next("one:1")
    assert session.renew(answer="v=0 answer", status=Status.LIVE)
    assert alice_client.get(created["url"]).json()["answer"] == "v=0 answer"
    alice_client.post(f"{created['url']}/stop")
    assert not session.renew(state="hidden")  # the worker hears it, and ends the session
    session.end()
    assert LiveSession.objects.get(pk=session.pk).status == Status.ENDED


def test_a_session_whose_worker_died_fails_with_a_reason(alice_client, alice, make_avatar, offer):
    created = start(alice_client, make_avatar(alice), offer).json()
    LiveSession.objects.claim_next("gone:1")
    LiveSession.objects.filter(pk=created["id"]).update(lease_until=timezone.now() - timedelta(seconds=1))
    body = alice_client.get(created["url"]).json()
    assert body["status"] == "failed" and body["error"] == WORKER_GONE


def test_a_worker_saving_a_recording_after_a_stop_keeps_its_lease(alice_client, alice, make_avatar, offer):
    created = start(alice_client, make_avatar(alice), offer).json()
    session = LiveSession.objects.claim_next("one:1")
    alice_client.post(f"{created['url']}/stop")
    LiveSession.objects.filter(pk=session.pk).update(lease_until=timezone.now() + timedelta(seconds=1))
    session.hold()  # stop asked, the recording still being stored: not taken for a dead worker
    assert LiveSession.objects.get(pk=session.pk).lease_until > timezone.now() + timedelta(seconds=5)
    assert alice_client.get(created["url"]).json()["status"] == "connecting"  # not failed
    session.end()
    ended = LiveSession.objects.get(pk=session.pk)
    session.hold()  # an ended session stays ended
    assert LiveSession.objects.get(pk=session.pk).lease_until == ended.lease_until and ended.status == Status.ENDED


def test_an_offer_no_worker_takes_in_time_fails(alice_client, alice, make_avatar, offer, settings):
    created = start(alice_client, make_avatar(alice), offer).json()
    LiveSession.objects.filter(pk=created["id"]).update(created_at=timezone.now() - timedelta(seconds=settings.SAFEFACE_LIVE_OFFER_SECONDS + 1))
    body = alice_client.get(created["url"]).json()
    assert body["status"] == "failed" and "No live worker is free" in body["error"]


def test_the_page_gives_the_browser_the_ice_servers_with_the_turn_account_on_turn_only(alice_client, settings):
    settings.SAFEFACE_LIVE_ICE_SERVERS = ["stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp"]
    settings.SAFEFACE_LIVE_TURN_USERNAME, settings.SAFEFACE_LIVE_TURN_CREDENTIAL = "live", "s3cret"
    page = alice_client.get("/live/").content.decode()
    servers = json.loads(page.split('id="live-ice-servers" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert servers == [{"urls": "stun:stun.example.org:3478"},
                       {"urls": "turn:turn.example.org:3478?transport=udp", "username": "live", "credential": "s3cret"}]
