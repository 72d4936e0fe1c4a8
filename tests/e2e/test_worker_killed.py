"""A worker SIGKILLed in the middle of a real avatar task: the job is taken back and
ends done exactly once, with no partial file — on the stack this run uses (a private
SQLite or PostgreSQL database; the ORM broker or Redis on a queue of its own)."""

import contextlib
import os
import re
import signal
from pathlib import Path

import pytest

from bench.harness import Browser, running_site, shell
from tests.e2e.cluster import wait_for
from tests.e2e.services import PrivatePostgres, free_port

pytestmark = pytest.mark.e2e

PASSWORD = "killed-password-123"


@contextlib.contextmanager
def site_on_this_stack():
    env = {"SAFEFACE_WORKERS": 1, "SAFEFACE_QUEUE_NAME": f"kill-test-{os.getpid()}",
           # Slow enough to be caught running: many candidates for attribute-guided sampling.
           "SAFEFACE_DCGAN_CANDIDATES": 256}
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
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


def row(env, pk) -> dict:
    out = shell_output(env, f"from avatars.models import Avatar; a = Avatar.objects.get(pk={pk}); "
                            f"print(a.status, a.attempts, a.image.name or '-')")
    status, attempts, image = out.split()
    return {"status": status, "attempts": int(attempts), "image": image}


def engine_workers(queue_name: str) -> list[int]:
    """This site's worker processes: the only ones of its cluster that load torch."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and f"SAFEFACE_QUEUE_NAME={queue_name}".encode() in (proc / "environ").read_bytes() \
                    and "libtorch" in (proc / "maps").read_text():
                found.append(int(proc.name))
    return found


def shell_output(env, code) -> str:
    import subprocess

    from bench.harness import PYTHON, ROOT

    return subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]


def test_a_worker_killed_mid_avatar_is_replaced_and_the_avatar_ends_done_once():
    with site_on_this_stack() as (base, env, data):
        shell(env, f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('k', password='{PASSWORD}')")
        browser = Browser(base)
        browser.log_in("k", PASSWORD)
        pk = re.findall(r'id="avatar-card-(\d+)"', browser.post("/studio/", {"count": "1", "seed": ""}))[0]

        wait_for(lambda: row(env, pk)["status"] == "running", timeout=60, interval=0.2)
        workers = wait_for(lambda: engine_workers(env["SAFEFACE_QUEUE_NAME"]), timeout=30, interval=0.1)
        assert row(env, pk)["status"] == "running"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        # The reaper runs on a schedule; here it is told the lease has run out.
        shell(env, "from datetime import timedelta; from django.utils import timezone; from safeface import jobs; "
                   "jobs.reap(now=timezone.now() + timedelta(hours=1))")
        wait_for(lambda: row(env, pk)["status"] in ("done", "failed"), timeout=120, interval=0.5)

        final = row(env, pk)
        assert (final["status"], final["attempts"]) == ("done", 2)
        media = sorted(p.relative_to(data / "media").as_posix() for p in (data / "media").rglob("*") if p.is_file())
        assert final["image"] in media
        assert len(media) == 2, media  # the image and its thumbnail: nothing half-written from the killed attempt
