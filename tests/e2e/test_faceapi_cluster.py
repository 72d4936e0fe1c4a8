"""The face API through a real django-q2 cluster: the worker renders, the web waits for it."""

import io

import pytest
from PIL import Image

from faceapi import rendering
from faceapi.models import FaceRender
from facekit.core.jobs import JobStatus
from tests.e2e.cluster import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(settings, cluster_media):
    settings.SAFEFACE_API_CACHE_DIR = ""  # MEDIA_ROOT/faceapi, as the cluster sees it
    settings.SAFEFACE_API_WAIT = 30
    settings.SAFEFACE_API_RATE = settings.SAFEFACE_API_RENDER_RATE = "10000/m"
    return cluster_media / "faceapi"


def test_the_worker_renders_a_face_the_web_waits_for(client, api):
    response = client.get("/api/face?value=cluster&dim=256&format=png")

    assert response.status_code == 200, response.content[:300]
    assert Image.open(io.BytesIO(response.content)).size == (256, 256)
    assert FaceRender.objects.get().status == JobStatus.DONE
    assert list(api.rglob(rendering.MASTER))
    again = client.get("/api/face?value=cluster&dim=256&format=png")
    assert again.content == response.content and again["ETag"] == response["ETag"]


def test_a_morph_is_rendered_and_encoded_by_the_worker(client, api, settings):
    settings.SAFEFACE_API_WAIT = 0
    url = "/api/morph?from=left&to=right&frames=6&fps=6&dim=64&format=gif"
    status_url = client.get(url).json()["status_url"]

    wait_for(lambda: client.get(status_url).json()["status"] == "done", timeout=90, interval=0.5)

    response = client.get(url)
    assert response.status_code == 200 and Image.open(io.BytesIO(response.content)).n_frames == 6
