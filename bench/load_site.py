"""Bounded load on loopback: concurrent browsing users on the embedded default while
the worker generates.

    .venv/bin/python bench/load_site.py [--users 50] [--seconds 120]

Each user loops over what a person does: anonymous visitors read the home page,
the gallery (and its "load more" partial), avatar pages and thumbnails; logged-in
users also open the studio, their avatars, card partials, the live summary, and
now and then press Generate. Reports requests/s, p50/p99 latency and errors.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import threading
import time
import urllib.error
from collections import defaultdict

from harness import WEB_THREADS, WEB_WORKERS, Browser, running_site, shell

PASSWORD = "load-password-123"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()

    with running_site(SAFEFACE_GENERATE_RATE="1000/m", SAFEFACE_LOGIN_RATE="1000/m") as (base, env, data):
        shell(env, f"""
from django.contrib.auth import get_user_model
for i in range({args.users}):
    get_user_model().objects.create_user(f"user{{i}}", password="{PASSWORD}")
""")
        # Some public avatars to browse, made by the real worker.
        seed_user = Browser(base)
        seed_user.log_in("user0", PASSWORD)
        for _ in range(3):
            seed_user.post("/studio/", {"count": 4, "seed": ""})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "status-queued" in seed_user.get("/avatars/") + seed_user.get("/studio/"):
            time.sleep(1)
        shell(env, "from avatars.models import Avatar; Avatar.objects.filter(status='done').update(is_public=True)")
        public_ids = re.findall(r'href="/avatars/(\d+)/"', Browser(base).get("/gallery/"))

        latencies = defaultdict(list)
        errors = defaultdict(int)
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def hit(browser, name, method, path, data=None, **headers):
            started = time.perf_counter()
            try:
                browser.post(path, data) if method == "POST" else browser.get(path, **headers)
                ok = True
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                ok = getattr(exc, "code", None) == 429  # rate limited is an answer, not an error
            with lock:
                latencies[name].append(time.perf_counter() - started)
                if not ok:
                    errors[name] += 1

        def user(number: int):
            rng = random.Random(number)
            browser = Browser(base)
            logged_in = number % 2 == 0
            if logged_in:
                browser.log_in(f"user{number}", PASSWORD)
            while time.monotonic() < stop:
                hit(browser, "home", "GET", "/")
                hit(browser, "gallery", "GET", "/gallery/")
                hit(browser, "gallery partial", "GET", "/gallery/?page=1", **{"HX-Request": "true"})
                if public_ids:
                    pk = rng.choice(public_ids)
                    hit(browser, "avatar page", "GET", f"/avatars/{pk}/")
                    hit(browser, "thumbnail", "GET", f"/avatars/{pk}/thumbnail.webp")
                if logged_in:
                    hit(browser, "studio", "GET", "/studio/")
                    hit(browser, "summary partial", "POST", "/studio/summary/", {"skin_tone": "monk_04", "count": 1, "seed": ""})
                    hit(browser, "my avatars", "GET", "/avatars/")
                    if rng.random() < 0.05:
                        hit(browser, "generate", "POST", "/studio/", {"count": 1, "seed": ""})
                time.sleep(rng.uniform(0.2, 1.0))  # a person reads the page

        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        locked = (data / "worker.log").read_text(errors="replace").count("database is locked") + (data / "web.log").read_text(errors="replace").count("database is locked")

    total = sum(len(v) for v in latencies.values())
    print(f"{args.users} users for {args.seconds:g} s on the embedded default (SQLite, ORM broker), granian {WEB_WORKERS}x{WEB_THREADS} as the Procfile, one qcluster")
    print("| endpoint | requests | errors | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, values in sorted(latencies.items()):
        values.sort()
        print(f"| {name} | {len(values)} | {errors[name]} | {statistics.median(values) * 1000:.0f} | {values[int(0.99 * (len(values) - 1))] * 1000:.0f} |")
    every = sorted(v for values in latencies.values() for v in values)
    print(f"| all | {total} | {sum(errors.values())} | {statistics.median(every) * 1000:.0f} | {every[int(0.99 * (len(every) - 1))] * 1000:.0f} |")
    print(f"\n{total / elapsed:.0f} requests/s; 'database is locked' in the logs: {locked}")


if __name__ == "__main__":
    main()
