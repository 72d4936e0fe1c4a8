import pytest

pytestmark = pytest.mark.django_db


def test_it_is_503_and_names_the_queue_when_no_worker_answers(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.3
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["ok"] is False
    assert body["database"]["ok"] is True
    assert body["queue"] == {"ok": False, "broker": body["queue"]["broker"], "error": "no worker ran the ping task within 0.3 s"}


def test_it_lists_the_offline_engines(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    engines = client.get("/healthz").json()["engines"]
    assert engines["ok"] is True
    assert engines["found"]["generator:mobilestylegan"] and engines["found"]["generator:dcgan"]
    assert engines["found"]["analyser:blazeface"] and engines["generator"] == "mobilestylegan"


def test_it_is_never_cached(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
