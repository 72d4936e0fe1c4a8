"""GET /api/face: the face for a value, cached, with a strong ETag."""

import io
import time

import pytest
from PIL import Image

from faceapi.models import FaceRender
from facekit.core.jobs import JobStatus

pytestmark = pytest.mark.django_db


def test_it_queues_an_unrendered_face_and_answers_202_with_a_status_url(client):
    response = client.get("/api/face?value=hello")

    assert response.status_code == 202
    body = response.json()
    job = FaceRender.objects.get()
    assert body["status"] == "queued" and body["status_url"] == f"/api/status/{job.key}"
    assert body["url"] == "/api/face?value=hello"
    assert response["Retry-After"] == "2" and response["Cache-Control"] == "no-store"
    assert job.kind == "face" and job.params == {"seed": "3238736544897475342"} and job.engine.startswith("mobilestylegan-ffhq@")


def test_it_serves_the_face_once_the_worker_rendered_it(client, worker):
    client.get("/api/face?value=hello")
    worker()

    response = client.get("/api/face?value=hello")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response  # a policy governs documents, not images
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 34
    assert Image.open(io.BytesIO(response.content)).size == (300, 300)
    assert FaceRender.objects.get().status == JobStatus.DONE


def test_it_answers_304_when_the_etag_still_matches(fetch, client):
    first = fetch("/api/face?value=hello&dim=64")

    again = client.get("/api/face?value=hello&dim=64", headers={"If-None-Match": first["ETag"]})
    other = client.get("/api/face?value=hello&dim=64", headers={"If-None-Match": '"something-else"'})

    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=31536000, immutable"
    assert other.status_code == 200 and other.content == first.content


@pytest.mark.parametrize("fmt, mime, pillow", [("png", "image/png", "PNG"), ("jpg", "image/jpeg", "JPEG"), ("webp", "image/webp", "WEBP")])
def test_it_serves_each_format_at_the_size_asked(fetch, fmt, mime, pillow):
    response = fetch(f"/api/face?value=abc&dim=77&format={fmt}")

    assert response.status_code == 200 and response["Content-Type"] == mime
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == pillow and picture.size == (77, 77)


def test_one_render_serves_every_size_and_format(fetch, client):
    fetch("/api/face?value=abc")
    for url in ["/api/face?value=abc&dim=10", "/api/face?value=abc&dim=1024&format=png", "/api/face?value=abc&format=jpg"]:
        assert client.get(url).status_code == 200
    assert FaceRender.objects.count() == 1


def test_the_same_value_gives_the_same_bytes_and_another_value_another_face(fetch, client):
    first = fetch("/api/face?value=abc&dim=64&format=png")
    second = client.get("/api/face?value=abc&dim=64&format=png")
    other = fetch("/api/face?value=abd&dim=64&format=png")

    assert first.content == second.content and first["ETag"] == second["ETag"]
    decode = lambda r: Image.open(io.BytesIO(r.content)).convert("RGB").tobytes()  # noqa: E731
    assert decode(other) != decode(first)


def test_blends_mix_faces_and_negative_amounts_move_away(fetch):
    a = fetch("/api/face?value=alice&dim=64&format=png")
    b = fetch("/api/face?value=bob&dim=64&format=png")
    mixed = fetch("/api/face?value0=alice&amount0=0.5&value1=bob&amount1=0.5&dim=64&format=png")
    away = fetch("/api/face?value0=alice&amount0=1&value1=bob&amount1=-0.5&dim=64&format=png")

    assert {r.status_code for r in (a, b, mixed, away)} == {200}
    pixels = [Image.open(io.BytesIO(r.content)).convert("RGB").tobytes() for r in (a, b, mixed, away)]
    assert len(set(pixels)) == 4
    assert sorted(r.params.get("amounts", []) for r in FaceRender.objects.all())[-2:] == [[0.5, 0.5], [1.0, -0.5]]


def test_a_face_removed_from_the_cache_is_rendered_again(fetch, client, worker, settings):
    import shutil

    fetch("/api/face?value=gone&dim=64")
    shutil.rmtree(settings.SAFEFACE_API_CACHE_DIR)
    if settings.SAFEFACE_S3_BUCKET:  # the bucket is the shared cache: clear it too
        from django.core.files.storage import default_storage

        from facekit.core.storage import stored_files

        for name, _ in list(stored_files(default_storage, "faceapi", hidden=True)):
            default_storage.delete(name)

    assert client.get("/api/face?value=gone&dim=64").status_code == 202
    assert FaceRender.objects.get().status == JobStatus.QUEUED
    assert worker() == 1
    assert client.get("/api/face?value=gone&dim=64").status_code == 200


def test_an_uncached_request_waits_for_the_render_up_to_the_setting(client, settings):
    settings.SAFEFACE_API_WAIT = 0.4
    started = time.monotonic()

    response = client.get("/api/face?value=slow")

    assert response.status_code == 202 and time.monotonic() - started >= 0.4


def test_a_failed_render_answers_503_with_the_reason(client):
    client.get("/api/face?value=broken")
    job = FaceRender.objects.get()
    job.claim()
    job.fail("The worker could not draw this face.")

    response = client.get("/api/face?value=broken")

    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert response.json()["error"] == "The worker could not draw this face."
