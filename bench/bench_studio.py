"""The studio end to end on the embedded default (SQLite, ORM broker, offline engines):

    .venv/bin/python bench/bench_studio.py [--rounds 3] [--clients 8] [--seconds 10]

Starts the web server (granian) and a django-q2 cluster on a throwaway data folder, then measures
1. the time from pressing Generate (POST /studio/) to every card showing its image
   (polling the card partials as the page does), for 1 and for 4 avatars;
2. requests per second of the public gallery page, logged out, from concurrent clients.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time
import urllib.request

from harness import WEB_THREADS, WEB_WORKERS, Browser, running_site, shell

PASSWORD = "bench-password-123"


def generate_and_wait(browser: Browser, count: int, log) -> float:
    started = time.perf_counter()
    page = browser.post("/studio/", {"count": count, "seed": "", "expression": "smile"})
    pending = set(re.findall(r'id="avatar-card-(\d+)"', page)[:count])
    while pending:
        for pk in list(pending):
            card = browser.get(f"/avatars/{pk}/card/", **{"HX-Request": "true"})
            if "status-done" in card:
                pending.discard(pk)
            elif "status-failed" in card:
                raise SystemExit(f"avatar {pk} failed; the worker's log is {log}")
        if pending:
            time.sleep(0.1)  # the page polls every second; we poll faster to measure
    return time.perf_counter() - started


def gallery_load(base: str, clients: int, seconds: float) -> tuple[float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        opener = urllib.request.build_opener()
        while time.monotonic() < stop:
            started = time.perf_counter()
            with opener.open(base + "/gallery/", timeout=30) as response:
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

    with running_site(SAFEFACE_GENERATE_RATE="1000/m") as (base, env, data):
        shell(env, f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('bench', password='{PASSWORD}')")
        browser = Browser(base)
        browser.log_in("bench", PASSWORD)
        log = data / "worker.log"
        generate_and_wait(browser, 1, log)  # warm-up: the worker loads its engines once
        rows = []
        for count in (1, 4):
            times = [generate_and_wait(browser, count, log) for _ in range(args.rounds)]
            rows.append((count, statistics.median(times), min(times), max(times)))
        shell(env, "from avatars.models import Avatar; Avatar.objects.update(is_public=True)")
        rps, p95 = gallery_load(base, args.clients, args.seconds)

    print(f"embedded default (SQLite, ORM broker, offline engines), {os.cpu_count()} CPU cores, one qcluster (SAFEFACE_WORKERS processes)")
    print("| avatars per Generate | median s to all shown | min s | max s |")
    print("|---|---|---|---|")
    for count, median, low, high in rows:
        print(f"| {count} | {median:.2f} | {low:.2f} | {high:.2f} |")
    print()
    print(f"public gallery (/gallery/, 24 cards a page), {args.clients} concurrent clients, {args.seconds:g} s, granian {WEB_WORKERS}x{WEB_THREADS} as the Procfile")
    print("| requests/s | p95 ms |")
    print("|---|---|")
    print(f"| {rps:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
