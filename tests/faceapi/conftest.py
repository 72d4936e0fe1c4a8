import pytest

from faceapi import tasks
from faceapi.models import FaceRender
from facekit.core.jobs import JobStatus


@pytest.fixture(autouse=True)
def api_settings(settings, tmp_path):
    """A cache of its own per test; no waiting for a worker (tests run renders themselves)."""
    settings.SAFEFACE_API_CACHE_DIR = str(tmp_path / "faceapi-cache")
    settings.SAFEFACE_API_WAIT = 0
    settings.SAFEFACE_API_RATE = "10000/m"
    settings.SAFEFACE_API_RENDER_RATE = "10000/m"
    return settings


@pytest.fixture
def worker():
    """Runs the queued renders here, as the worker would."""

    def run() -> int:
        queued = list(FaceRender.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True))
        for pk in queued:
            tasks.render(job_id=pk)
        return len(queued)

    return run


@pytest.fixture
def fetch(client, worker):
    """GET an API URL, rendering what it queues: the final answer (200, 304, 400...)."""

    def get(url: str, **headers):
        response = client.get(url, headers=headers)
        if response.status_code == 202:
            assert worker() >= 1
            response = client.get(url, headers=headers)
        return response

    return get
