"""The embedded default's shared cache under concurrent rate-limit counting.

    .venv/bin/python bench/bench_cache.py [--seconds 5]

Every face API request counts a rate limit: django-ratelimit's get_usage (an `add`, then an
atomic `incr`) in facekit/core/shared_cache.py's SQLite file. Processes x threads count at once
for --seconds, as the web server's workers do; the table gives counts/s and each count's latency.
A second row per shape has processes not take turns on the lock file (threads still take
turns on their process's lock), so that SQLite's own busy handler settles who writes:
the cache as it was before the lock file. --no-turns runs only those rows.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import threading
import time

from facekit.core.shared_cache import SQLiteCache  # no Django needed to make the file

SHAPES = ((1, 1), (2, 1), (2, 16))


def count(out, threads: int, seconds: float, turns: bool, data: str) -> None:
    os.environ.update(DJANGO_SETTINGS_MODULE="safeface.settings", SAFEFACE_DATA_DIR=data)
    import django

    django.setup()
    from django.test import RequestFactory
    from django_ratelimit.core import get_usage

    from facekit.core import shared_cache as cache

    if not turns:  # threads still take turns on the process's lock, as before the lock file
        cache.SQLiteCache._turn = lambda self: cache._WRITES
    request = RequestFactory().get("/api/face", REMOTE_ADDR="127.0.0.1")
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    def run():
        while time.monotonic() < stop:
            started = time.perf_counter()
            get_usage(request, group="bench", key="ip", rate="1000000000/m", increment=True)
            latencies.append(time.perf_counter() - started)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    out.put((len(latencies), latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-turns", action="store_true", help="only the rows where processes do not take turns")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    print("| processes x threads | writers take turns | counts/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for processes, threads in SHAPES:
        for turns in ((False,) if args.no_turns else (True, False)):
            out = context.Queue()
            data = tempfile.mkdtemp(prefix="safeface-bench-cache-")
            # Made here first: two processes making a new file at once is the setup's own race.
            SQLiteCache(os.path.join(data, "cache.sqlite3"), {}).set("made", 1)
            procs = [context.Process(target=count, args=(out, threads, args.seconds, turns, data)) for _ in range(processes)]
            for proc in procs:
                proc.start()
            results = [out.get(timeout=args.seconds + 120) for _ in procs]
            for proc in procs:
                proc.join()
            total = sum(r[0] for r in results) / args.seconds
            p50, p99 = max(r[1] for r in results) * 1000, max(r[2] for r in results) * 1000
            print(f"| {processes} x {threads} | {'yes' if turns else 'threads only (SQLite busy handler)'} | {total:,.0f} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
