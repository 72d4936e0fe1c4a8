"""A worker SIGKILLed in the middle of a real avatar task: the job is taken back and
ends done exactly once, with no partial file — on the stack this run uses (a private
SQLite or PostgreSQL database; the ORM broker or Redis on a queue of its own)."""

import contextlib
import os
import re
import signal
import sqlite3
from pathlib import Path

import pytest

from bench.harness import Browser, running_site, shell
from tests.e2e.cluster import loads_torch, wait_for
from tests.e2e.services import PrivatePostgres, free_port

pytestmark = pytest.mark.e2e

PASSWORD = "killed-password-123"


@contextlib.contextmanager
def site_on_this_stack():
    env = {"SAFEFACE_WORKERS": 1, "SAFEFACE_QUEUE_NAME": f"kill-test-{os.getpid()}",
           # Slow enough to be caught running (seconds): many candidates for attribute-guided sampling.
           "SAFEFACE_DCGAN_CANDIDATES": 512}
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    if os.environ.get("SAFEFACE_S3_BUCKET"):  # media on S3 (tests/settings.py): a key prefix of its own
        env["SAFEFACE_S3_PREFIX"] = env["SAFEFACE_QUEUE_NAME"]
    database = PrivatePostgres() if os.environ.get("DATABASE_URL", "").startswith("postgres") else None
    try:
        if database:
            database.start()
            env["DATABASE_URL"] = database.url
        with running_site(port=free_port(), web_workers=1, **env) as site:
            yield site
    finally:
        if database:
            database.remove()


def stored_media(env, data) -> list[str]:
    """Every stored file of the site, half-written ones too: on S3 its keys, else its media folder."""
    if prefix := env.get("SAFEFACE_S3_PREFIX"):
        from samples import s3

        keys = s3.keys(os.environ["SAFEFACE_S3_ENDPOINT_URL"], os.environ["SAFEFACE_S3_BUCKET"], prefix + "/")
        return [key.removeprefix(prefix + "/") for key in keys]
    return sorted(p.relative_to(data / "media").as_posix() for p in (data / "media").rglob("*") if p.is_file())


def row(env, data, pk) -> dict:
    """The avatar's row, read straight from the site's database (fast enough to catch it running)."""
    query = "SELECT status, attempts, image FROM avatars_avatar WHERE id = %s"
    if url := env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as connection:
            status, attempts, image = connection.execute(query, (int(pk),)).fetchone()
    else:
        with contextlib.closing(sqlite3.connect(data / "db.sqlite3", timeout=10)) as connection:
            status, attempts, image = connection.execute(query.replace("%s", "?"), (int(pk),)).fetchone()
    return {"status": status, "attempts": attempts, "image": image or "-"}


def engine_workers(queue_name: str) -> list[int]:
    """This site's worker processes: the only ones of its cluster that load torch."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and f"SAFEFACE_QUEUE_NAME={queue_name}".encode() in (proc / "environ").read_bytes() \
                    and loads_torch(int(proc.name)):
                found.append(int(proc.name))
    return found


def test_a_worker_killed_mid_avatar_is_replaced_and_the_avatar_ends_done_once():
    with site_on_this_stack() as (base, env, data):
        shell(env, f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('k', password='{PASSWORD}')")
        browser = Browser(base)
        browser.log_in("k", PASSWORD)
        pk = re.findall(r'id="avatar-card-(\d+)"', browser.post("/studio/", {"count": "1", "seed": ""}))[0]

        workers = wait_for(lambda: engine_workers(env["SAFEFACE_QUEUE_NAME"]), timeout=60, interval=0.1)
        wait_for(lambda: row(env, data, pk)["status"] == "running", timeout=60, interval=0.05)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        # The reaper runs on a schedule; here it is told the lease has run out.
        shell(env, "from datetime import timedelta; from django.utils import timezone; from facekit.core import jobs; "
                   "jobs.reap(now=timezone.now() + timedelta(hours=1))")
        wait_for(lambda: row(env, data, pk)["status"] in ("done", "failed"), timeout=120, interval=0.5)

        final = row(env, data, pk)
        assert (final["status"], final["attempts"]) == ("done", 2)
        media = stored_media(env, data)
        assert final["image"] in media
        assert len(media) == 2, media  # the image and its thumbnail: nothing half-written from the killed attempt
