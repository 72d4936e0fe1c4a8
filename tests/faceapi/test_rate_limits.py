"""Rate limits per client address: a generous one for everything, a stricter one for renders."""

import pytest

pytestmark = pytest.mark.django_db


def test_over_the_api_rate_it_answers_429_in_json_with_retry_after(client, settings):
    settings.SAFEFACE_API_RATE = "2/m"

    answers = [client.get("/api/seed?value=a") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "at most 2/m" in answers[2].json()["error"]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60


def test_the_render_rate_limits_only_requests_that_need_a_render(fetch, client, settings):
    fetch("/api/face?value=cached")
    settings.SAFEFACE_API_RENDER_RATE = "1/m"

    new = client.get("/api/face?value=new-1")
    another = client.get("/api/face?value=new-2")
    cached = [client.get(f"/api/face?value=cached&dim={dim}").status_code for dim in (40, 50, 60)]

    assert new.status_code == 202 and another.status_code == 429 and another["Retry-After"]
    assert cached == [200, 200, 200]


def test_clients_are_counted_apart(client, settings):
    settings.SAFEFACE_API_RATE = "1/m"

    assert client.get("/api/seed?value=a", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert client.get("/api/seed?value=a", REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get("/api/seed?value=a", REMOTE_ADDR="10.0.0.1").status_code == 429
