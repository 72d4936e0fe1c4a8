"""Start a real django-q2 cluster (`manage.py qcluster`) against the test database."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the database this test run uses (pytest-django's test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@contextlib.contextmanager
def running_cluster(workers: int = 1, **env):
    with running_command("qcluster", SAFEFACE_WORKERS=str(workers), **env) as proc:
        yield proc


@contextlib.contextmanager
def running_command(command: str, *args: str, **env):
    """`manage.py command args` against the test database, stopped (SIGTERM, then its whole
    process group) when the block ends; its output goes to test-artifacts/."""
    log = ROOT / "test-artifacts" / f"{command}-{os.getpid()}.log"
    log.parent.mkdir(exist_ok=True)
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": test_database_url(),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", command, *args],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the whole cluster can be stopped as a group
        )
    try:
        yield proc
    finally:
        # The process stops its own children on SIGTERM; whatever is left is killed.
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(predicate, timeout: float, interval: float = 0.2, on_tick=None):
    """Poll `predicate` until it returns something truthy; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if on_tick:
            on_tick()
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout} s waiting")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def loads_torch(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def stored(name: str) -> bool:
    """Whether the site's storage holds `name` (local files or S3)."""
    from django.core.files.storage import default_storage

    return default_storage.exists(name)
