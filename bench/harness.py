"""Start the real site for a benchmark: granian and a django-q2 cluster on a
throwaway data folder (SQLite, ORM broker, offline engines), and a tiny browser."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


class Browser:
    """Just enough of a browser: cookies, CSRF, form posts."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, **headers) -> str:
        request = urllib.request.Request(self.base + path, headers=headers)
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode(errors="replace")

    def post(self, path: str, data: dict) -> str:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"X-CSRFToken": token, "Referer": self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode(errors="replace")

    def log_in(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": password})


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def shell(env: dict, code: str) -> None:
    manage(env, "shell", "-c", code)


# As the Procfile: requests waiting for a render hold a thread, so the threads bound how many
# renders the worker can batch at once.
WEB_WORKERS, WEB_THREADS = 2, 16


def web_command(port: int, workers: int = WEB_WORKERS, threads: int = WEB_THREADS) -> list[str]:
    """The web server as the Procfile starts it, on loopback, without the access log."""
    return [PYTHON, "-m", "safeface.serve", "--interface", "wsgi", "--no-ws", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
            "--log-level", "warning", "safeface.wsgi:application"]


@contextlib.contextmanager
def running_site(port: int = 8765, web_workers: int = WEB_WORKERS, threads: int = WEB_THREADS, *, live: bool = False,
                 **extra_env):
    """Yield (base URL, env, data folder) of a fresh site with its worker running (and with
    `live`, a live worker)."""
    data = Path(tempfile.mkdtemp(prefix="safeface-bench-"))
    env = {
        **os.environ,
        "SAFEFACE_DATA_DIR": str(data),
        "SAFEFACE_HTTPS": "false",
        "DJANGO_SETTINGS_MODULE": "safeface.settings",
        "LOG_LEVEL": "WARNING",
    }
    # The embedded default unless the caller names its own database or broker.
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update({key: str(value) for key, value in extra_env.items()})
    manage(env, "migrate", "-v0")
    base = f"http://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(web_command(port, web_workers, threads), cwd=ROOT, env=env, start_new_session=True,
                         stdout=open(data / "web.log", "wb"), stderr=subprocess.STDOUT),
        subprocess.Popen([PYTHON, "manage.py", "qcluster"], cwd=ROOT, env=env, start_new_session=True,
                         stdout=open(data / "worker.log", "wb"), stderr=subprocess.STDOUT),
    ]
    if live:
        procs.append(subprocess.Popen([PYTHON, "manage.py", "live_worker"], cwd=ROOT, env=env, start_new_session=True,
                                      stdout=open(data / "live.log", "wb"), stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=10).read()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the site did not come up; see {data}")
                time.sleep(0.5)
        yield base, env, data
    finally:
        for proc in procs:
            proc.terminate()  # the cluster stops its own workers; a signal to the group hangs it
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def s3_env() -> dict[str, str]:
    """A bucket on a loopback S3-compatible server started in this process (moto's server
    mode, samples/s3.py), as the settings' environment variables."""
    sys.path.insert(0, str(ROOT))
    from samples import s3

    endpoint, bucket = s3.start_server(), "safeface-bench"
    s3.create_bucket(endpoint, bucket)
    return {"SAFEFACE_S3_BUCKET": bucket, "SAFEFACE_S3_ENDPOINT_URL": endpoint,
            "SAFEFACE_S3_ACCESS_KEY_ID": s3.CREDENTIALS["aws_access_key_id"],
            "SAFEFACE_S3_SECRET_ACCESS_KEY": s3.CREDENTIALS["aws_secret_access_key"],
            "SAFEFACE_S3_REGION": s3.CREDENTIALS["region_name"]}

