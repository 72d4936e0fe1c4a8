"""GET /api/seed and GET /api/status/<key>."""

import hashlib

import pytest

pytestmark = pytest.mark.django_db


def test_seed_is_the_first_8_bytes_of_the_sha256_of_the_value(client):
    response = client.get("/api/seed?value=héllo wörld")

    expected = int.from_bytes(hashlib.sha256("héllo wörld".encode()).digest()[:8], "big")
    assert response.status_code == 200
    assert response.json() == {"value": "héllo wörld", "seed": str(expected), "engine": response.json()["engine"]}
    assert response.json()["engine"].startswith("mobilestylegan-ffhq@")


def test_status_follows_a_render_from_queued_to_done(client, worker):
    status_url = client.get("/api/face?value=hello").json()["status_url"]

    queued = client.get(status_url).json()
    worker()
    done = client.get(status_url).json()

    assert queued["status"] == "queued" and queued["kind"] == "face" and queued["url"] == "/api/face?value=hello"
    assert done["status"] == "done" and done["progress"] == 100 and "error" not in done


def test_status_of_a_failed_render_says_why(client):
    from faceapi.models import FaceRender

    client.get("/api/face?value=hello")
    job = FaceRender.objects.get()
    job.claim()
    job.fail("No engine.")

    assert client.get(job.get_absolute_url()).json()["error"] == "No engine."


def test_status_of_an_unknown_key_is_a_404_in_json(client):
    response = client.get("/api/status/" + "0" * 64)

    assert response.status_code == 404 and response.json()["parameter"] == "key"
    assert client.get("/api/status/not-a-key").status_code == 404
