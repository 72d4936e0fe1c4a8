import pytest

from avatars.models import Avatar
from tests.jobapp.models import Chore

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_get_no_metrics(client):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"safeface_" not in response.content


def test_a_non_staff_user_gets_no_metrics(alice_client):
    assert alice_client.get("/metrics").status_code == 403


def test_a_wrong_token_gets_no_metrics(client, settings):
    settings.SAFEFACE_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403


def test_a_scraper_with_the_token_gets_job_queue_and_request_metrics(client, settings, alice):
    settings.SAFEFACE_METRICS_TOKEN = "s3cret-token"
    done = Chore.objects.create()
    done.claim()
    done.succeed()
    Chore.objects.create()
    Avatar.objects.create(owner=alice, spec={}, seed=1, status="done", engine="dcgan-digiface@1.1.1")
    client.get("/")

    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    text = response.content.decode()
    assert response.status_code == 200
    assert 'safeface_jobs{job="jobapp.chore",status="done"} 1.0' in text
    assert 'safeface_jobs{job="jobapp.chore",status="queued"} 1.0' in text
    assert 'safeface_jobs_finished_total{job="jobapp.chore",status="done"} 1.0' in text
    assert 'safeface_job_duration_seconds_total{job="jobapp.chore",status="done"}' in text
    assert "safeface_queue_depth " in text
    assert 'safeface_avatars_generated{engine="dcgan-digiface@1.1.1"} 1.0' in text
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="home"}' in text


def test_staff_can_read_metrics_in_the_browser(client, charlie):
    client.force_login(charlie)
    assert client.get("/metrics").status_code == 200
