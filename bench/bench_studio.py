"""The studio end to end on the embedded default (SQLite, ORM broker, offline engines):

    .venv/bin/python bench/bench_studio.py [--rounds 3] [--clients 8] [--seconds 10]

Starts gunicorn and a django-q2 cluster on a throwaway data folder, then measures
1. the time from pressing Generate (POST /studio/) to every card showing its image
   (polling the card partials as the page does), for 1 and for 4 avatars;
2. requests per second of the public gallery page, logged out, from concurrent clients.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
LOG = None  # the worker's log, in the throwaway data folder


class Browser:
    """Just enough of a browser: cookies, CSRF, form posts."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, **headers) -> str:
        request = urllib.request.Request(BASE + path, headers=headers)
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(BASE + path, data=body, headers={"X-CSRFToken": token, "Referer": BASE + path})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()


def wait_until_up(timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=10).read()
            return
        except Exception:
            time.sleep(0.5)
    raise SystemExit("the site did not come up")


def generate_and_wait(browser: Browser, count: int) -> float:
    started = time.perf_counter()
    page = browser.post("/studio/", {"count": count, "seed": "", "expression": "smile"})
    ids = re.findall(r'id="avatar-card-(\d+)"', page)[:count]
    pending = set(ids)
    while pending:
        for pk in list(pending):
            card = browser.get(f"/avatars/{pk}/card/", **{"HX-Request": "true"})
            if "status-done" in card:
                pending.discard(pk)
            elif "status-failed" in card:
                raise SystemExit(f"avatar {pk} failed; the worker's log is {LOG}")
        if pending:
            time.sleep(0.1)  # the page polls every second; we poll faster to measure
    return time.perf_counter() - started


def gallery_load(clients: int, seconds: float) -> tuple[float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        opener = urllib.request.build_opener()
        while time.monotonic() < stop:
            started = time.perf_counter()
            with opener.open(BASE + "/gallery/", timeout=30) as response:
                response.read()
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return len(latencies) / seconds, latencies[int(0.95 * (len(latencies) - 1))] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    global LOG
    data = tempfile.mkdtemp(prefix="safeface-bench-")
    LOG = Path(data) / "qcluster.log"
    env = {**os.environ, "SAFEFACE_DATA_DIR": data, "SAFEFACE_HTTPS": "false", "DJANGO_SETTINGS_MODULE": "safeface.settings",
           "SAFEFACE_GENERATE_RATE": "1000/m", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "shell", "-c",
                    "from django.contrib.auth import get_user_model; get_user_model().objects.create_user('bench', password='bench-password-123')"],
                   cwd=ROOT, env=env, check=True)
    procs = [
        subprocess.Popen([str(Path(python).parent / "gunicorn"), "safeface.wsgi", "--bind", f"127.0.0.1:{PORT}",
                          "--workers", "2", "--threads", "4", "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True),
        subprocess.Popen([python, "manage.py", "qcluster"], cwd=ROOT, env=env, start_new_session=True,
                         stdout=open(Path(data) / "qcluster.log", "wb"), stderr=subprocess.STDOUT),
    ]
    try:
        wait_until_up()
        browser = Browser()
        browser.get("/accounts/login/")
        browser.post("/accounts/login/", {"username": "bench", "password": "bench-password-123"})
        generate_and_wait(browser, 1)  # warm-up: the worker loads its engines once
        rows = []
        for count in (1, 4):
            times = [generate_and_wait(browser, count) for _ in range(args.rounds)]
            rows.append((count, statistics.median(times), min(times), max(times)))

        subprocess.run([python, "manage.py", "shell", "-c",
                        "from avatars.models import Avatar; Avatar.objects.update(is_public=True)"], cwd=ROOT, env=env, check=True)
        rps, p95 = gallery_load(args.clients, args.seconds)
    finally:
        for proc in procs:
            proc.terminate()  # the cluster stops its own workers; a signal to the group hangs it
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    print(f"embedded default (SQLite, ORM broker, offline engines), {os.cpu_count()} CPU cores, one worker process")
    print("| avatars per Generate | median s to all shown | min s | max s |")
    print("|---|---|---|---|")
    for count, median, low, high in rows:
        print(f"| {count} | {median:.2f} | {low:.2f} | {high:.2f} |")
    print()
    print(f"public gallery (/gallery/, 24 cards a page), {args.clients} concurrent clients, {args.seconds:g} s, gunicorn 2 workers x 4 threads")
    print("| requests/s | p95 ms |")
    print("|---|---|")
    print(f"| {rps:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
