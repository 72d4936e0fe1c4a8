"""The broker is down (a Redis that does not answer): new work is refused with a
clear message and nothing half-made; work already accepted waits for the reaper."""

import pytest
import redis
from django_q.brokers.redis_broker import Redis

from avatars.models import Avatar
from facekit.core import jobs
from tests.jobapp.models import Chore

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    broker = Redis(list_key="outage-test")
    broker.connection = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)  # nothing listens there
    monkeypatch.setattr(jobs, "get_broker", lambda: broker)
    monkeypatch.setattr("django_q.tasks.get_broker", lambda *args, **kwargs: broker)
    return broker


def test_the_queue_reports_unavailable(broker_down):
    assert jobs.queue_available() is False


def test_generate_says_the_queue_is_down_and_stores_nothing(alice_client, broker_down):
    response = alice_client.post("/studio/", {"count": "2", "seed": ""}, follow=True)
    assert b"The task queue is not answering right now, so nothing was started." in response.content
    assert Avatar.objects.count() == 0


def test_pages_still_render(alice_client, broker_down):
    assert alice_client.get("/studio/").status_code == 200
    assert alice_client.get("/avatars/").status_code == 200


def test_a_message_lost_after_commit_is_resent_by_the_reaper(broker_down, monkeypatch, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        chore = Chore.objects.create()
        chore.enqueue()  # the send fails: logged, the row stays queued
    assert Chore.objects.get(pk=chore.pk).status == "queued"

    sent = []
    monkeypatch.setattr(jobs, "async_task", lambda task, **kwargs: sent.append((task, kwargs["job_id"])))
    from datetime import timedelta

    from django.utils import timezone

    jobs.reap(now=timezone.now() + settings.JOB_REQUEUE_AFTER + timedelta(seconds=1))
    assert sent == [(Chore.task, chore.pk)]
