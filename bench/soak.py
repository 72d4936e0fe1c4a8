"""Soak the embedded default: clients uploading, swapping and generating at once,
with the worker busy, for minutes on SQLite; nothing may fail or lock.

    .venv/bin/python bench/soak.py [--clients 4] [--seconds 300]

Each client loops: upload a photo (a 640x360 crop of insightface's group photo),
wait for its faces, swap the largest, press Generate, read its pages. Reports
operations, errors, failed jobs and "database is locked" lines in the logs.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import threading
import time
import urllib.error
from collections import Counter

from bench_swaps import upload
from harness import Browser, running_site, shell

PASSWORD = "soak-password-123"


def small_photo() -> bytes:
    from PIL import Image

    from samples.clips import T1

    image = Image.open(T1).convert("RGB")
    image.thumbnail((640, 640))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def poll(check, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (answer := check()) is not None:
            return answer
        time.sleep(0.5)
    return False


def card_state(browser: Browser, path: str):
    card = browser.get(path, **{"HX-Request": "true"})
    if "status-done" in card:
        return True
    if "status-failed" in card:
        return False
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args()
    photo = small_photo()
    counts, errors = Counter(), Counter()
    lock = threading.Lock()

    def count(name: str, ok: bool = True) -> None:
        with lock:
            (counts if ok else errors)[name] += 1

    with running_site(SAFEFACE_GENERATE_RATE="1000/m", SAFEFACE_SWAP_RATE="1000/m", SAFEFACE_DAILY_AVATARS=100000) as (base, env, data):
        shell(env, f"""
from django.contrib.auth import get_user_model
for i in range({args.clients}):
    get_user_model().objects.create_user(f"soak{{i}}", password="{PASSWORD}")
""")
        stop = time.monotonic() + args.seconds

        def client(number: int) -> None:
            browser = Browser(base)
            browser.log_in(f"soak{number}", PASSWORD)
            page = browser.post("/studio/", {"count": 1, "seed": ""})
            if not (found := re.search(r'id="avatar-card-(\d+)"', page)):
                print(f"client {number} could not generate: {page}", file=sys.stderr)
                return
            avatar = found.group(1)
            poll(lambda: card_state(browser, f"/avatars/{avatar}/card/"))
            while time.monotonic() < stop:
                try:
                    picker = upload(browser, avatar, "photo.jpg", photo, "image/jpeg").replace(base, "").split("?")[0]
                    count("upload")
                    if not poll(lambda: True if 'name="which"' in browser.get(picker, **{"HX-Request": "true"}) else None):
                        count("faces found", ok=False)
                        continue
                    page = browser.post(picker, {"avatar": avatar, "which": "largest"})
                    swap = re.search(r"/swaps/(\d+)/(?:status|result)", page).group(1)
                    page = browser.post("/studio/", {"count": 1, "seed": ""})
                    new_avatar = re.search(r'id="avatar-card-(\d+)"', page).group(1)
                    count("generate")
                    count("swap done", poll(lambda: card_state(browser, f"/swaps/{swap}/card/")))
                    count("avatar done", poll(lambda: card_state(browser, f"/avatars/{new_avatar}/card/")))
                    for path in ("/swaps/", "/avatars/", "/gallery/", f"/swaps/{swap}/"):
                        browser.get(path)
                        count("page")
                except (urllib.error.URLError, ConnectionError, TimeoutError, AttributeError) as exc:
                    count(type(exc).__name__, ok=False)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        logs = (data / "worker.log").read_text(errors="replace") + (data / "web.log").read_text(errors="replace")

    print(f"{args.clients} clients for {elapsed:.0f} s on the embedded default (SQLite, ORM broker, offline engines)")
    print("| operation | succeeded | failed |")
    print("|---|---|---|")
    for name in sorted(set(counts) | set(errors)):
        print(f"| {name} | {counts[name]} | {errors[name]} |")
    print(f"\n'database is locked' in the logs: {logs.count('database is locked')}; tracebacks: {logs.count('Traceback')}")


if __name__ == "__main__":
    main()
