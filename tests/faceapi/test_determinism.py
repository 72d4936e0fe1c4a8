"""Same value, same engine, same bytes: across processes and restarts."""

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from PIL import Image

from faceapi import cache, rendering
from faceapi.api_engine import active_engine
from faceapi.models import FaceRender
from faceapi.params import seed_for
from safeface import inference
from tests.e2e.cluster import test_database_url as database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def renders_run_here(monkeypatch):
    """These tests draw their renders themselves (the `worker` fixture). Sent to the broker, a
    render would be taken by the e2e tests' cluster, which lives for the whole session on the
    same database and queue, and the test would find nothing left to draw (seen on Redis)."""
    from facekit.core import jobs

    sent = []
    monkeypatch.setattr(jobs, "async_task", lambda task, **kwargs: sent.append(task))
    return sent


def in_another_process(code: str, **env) -> bytes:
    """Run `code` in a fresh Python with the test settings and this test's database; its stdout."""
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(), **env}
    prelude = "import django, sys; django.setup()\n"
    result = subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=environ, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return result.stdout


def test_another_web_process_serves_the_same_bytes(fetch, settings):
    mine = fetch("/api/face?value=restart&dim=128&format=webp")

    code = (
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='localhost').get('/api/face?value=restart&dim=128&format=webp')\n"
        "import json; print(json.dumps({'status': r.status_code, 'etag': r.get('ETag'), 'hex': r.content.hex()}))\n"
    )
    theirs = json.loads(in_another_process(code, SAFEFACE_API_CACHE_DIR=settings.SAFEFACE_API_CACHE_DIR))

    assert theirs["status"] == 200 and theirs["etag"] == mine["ETag"] and bytes.fromhex(theirs["hex"]) == mine.content


def test_a_fresh_worker_process_draws_the_same_master_pixel_for_pixel(fetch, settings):
    fetch("/api/face?value=pixels&dim=64")
    key = cache.render_key(active_engine(), "face", {"seed": str(seed_for("pixels"))})
    mine = (cache.folder(active_engine().name, key) / rendering.MASTER).read_bytes()

    code = (
        "from safeface import inference\nfrom faceapi import rendering, tasks\n"
        "g = inference.generator()\n"
        f"image = g.generate(None, [{seed_for('pixels')}], g.native_size)[0]\n"
        "sys.stdout.buffer.write(rendering.encode_master(image))\n"
    )
    theirs = in_another_process(code)

    assert theirs == mine
    labelled = Image.open(io.BytesIO(fetch("/api/face?value=pixels&dim=64&format=png").content)).convert("RGB")
    facts = rendering.facts_for(active_engine(), key, seed=seed_for("pixels"))
    relabelled = rendering.labelled_still(rendering.decode_master(io.BytesIO(theirs)), 64, "png", facts, inference.signing_identity())
    assert Image.open(io.BytesIO(relabelled)).convert("RGB").tobytes() == labelled.tobytes()


def test_concurrent_requests_for_one_face_create_one_row_and_one_task(settings, monkeypatch):
    from django.test import Client

    from facekit.core import jobs

    settings.SAFEFACE_API_WAIT = 0
    answers, sent = [], []
    # Whatever the broker (ORM or Redis), count what is handed to it.
    monkeypatch.setattr(jobs, "async_task", lambda task, **kwargs: sent.append(task))

    def ask():
        answers.append(Client().get("/api/face?value=crowd").status_code)
        connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [202] * 8
    assert FaceRender.objects.count() == 1
    assert sent == [FaceRender.task]
