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
    assert engines["found"]["recogniser:dlib"] and engines["found"]["recogniser:sface"]


def test_it_is_never_cached(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_it_lists_each_active_model_with_its_licence_and_the_policy(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    engines = client.get("/healthz").json()["engines"]

    assert engines["licence_policy"] == "any"
    rows = {(row["role"], row["kind"]): row for row in engines["models"]}
    assert set(rows) == {("generator", "mobilestylegan"), ("analyser", "offline"), ("swapper", "mesh"),
                         ("recogniser", "dlib"), ("recogniser", "sface"), ("screener", "nudenet")}
    assert rows["generator", "mobilestylegan"]["commercial"] is False
    assert (rows["recogniser", "dlib"]["licence"], rows["recogniser", "dlib"]["commercial"]) == ("CC0-1.0 AND BSL-1.0", True)


def test_under_the_commercial_policy_every_active_model_allows_commercial_use(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    settings.SAFEFACE_MODEL_LICENCES = "commercial"
    engines = client.get("/healthz").json()["engines"]

    assert engines["licence_policy"] == "commercial" and engines["generator"] == "dcgan"
    assert [row["kind"] for row in engines["models"] if row["role"] == "generator"] == ["dcgan"]
    assert all(row["commercial"] for row in engines["models"])


def test_the_face_api_s_own_generator_is_listed_apart(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    settings.SAFEFACE_GENERATOR = "dcgan"
    settings.SAFEFACE_API_GENERATOR = "mobilestylegan"
    generators = [row for row in client.get("/healthz").json()["engines"]["models"] if row["role"] == "generator"]

    assert [(row["kind"], row.get("used_by")) for row in generators] == [("dcgan", None), ("mobilestylegan", "the face API")]
