"""What /metrics says of live sessions."""

import pytest

from live.models import LiveSession, Status

pytestmark = pytest.mark.django_db


def test_metrics_count_live_sessions_by_status_and_their_speed(client, charlie, alice, make_avatar, offer):
    avatar = make_avatar(alice)
    running = LiveSession.objects.create(owner=alice, avatar=avatar, offer=offer)
    LiveSession.objects.claim_next("one:1")
    running.refresh_from_db()
    running.renew(status=Status.LIVE, stats={"fps_sent": 21.5})
    LiveSession.objects.create(owner=charlie, avatar=avatar, offer=offer, status=Status.FAILED)
    client.force_login(charlie)
    text = client.get("/metrics").content.decode()
    assert 'safeface_live_sessions{status="live"} 1.0' in text
    assert 'safeface_live_sessions{status="failed"} 1.0' in text
    assert 'safeface_live_sessions{status="offered"} 0.0' in text
    assert "safeface_live_frames_per_second 21.5" in text
