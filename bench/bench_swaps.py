"""Swaps end to end on the embedded default (SQLite, ORM broker, offline engines):

    .venv/bin/python bench/bench_swaps.py [--rounds 3] [--s3]

Starts the web server (granian) and a django-q2 cluster on a throwaway data folder, generates one
avatar, then for a 1280x720 photo (insightface's group photo, six faces) and a 10 s
720p clip at 25 fps with sound (one face), measures
1. upload to faces shown: POST /swaps/new/ until the face picker is ready (the
   upload is checked in the request, faces are found on the queue; for the clip,
   on the frame at 8 s, which includes a second analysis);
2. submit to result: pressing Swap (every face) until the result is stored,
   polling the swap's card as "My swaps" does.

--s3 runs it all twice in one go, on local files and with media on an S3-compatible server
(moto's server mode on loopback, started here), and prints both in one table; then the time
to the first byte of the video result, streamed through the view (the site's way) and from a
presigned URL (the other way: the view would check ownership, then redirect there).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from harness import ROOT, Browser, running_site, s3_env, shell

sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-123"


def photo_1280x720() -> bytes:
    from PIL import Image

    from samples.clips import T1

    image = Image.open(T1).convert("RGB")
    scale = max(1280 / image.width, 720 / image.height)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    left, top = (image.width - 1280) // 2, (image.height - 720) // 2
    out = io.BytesIO()
    image.crop((left, top, left + 1280, top + 720)).save(out, "JPEG", quality=92)
    return out.getvalue()


def clip_720p(seconds: int = 10, fps: int = 25) -> bytes:
    from samples.clips import clip_frames, write_clip

    path = Path(tempfile.mkdtemp()) / "clip.mp4"
    write_clip(path, clip_frames(1280, 720, seconds * fps), fps=fps, audio="aac")
    return path.read_bytes()


def upload(browser: Browser, avatar: str, name: str, data: bytes, content_type: str) -> str:
    """POST the multipart form like the page does; returns the face picker's URL."""
    token = next(c.value for c in browser.jar if c.name == "csrftoken")
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="avatar"\r\n\r\n{avatar}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="target"; filename="{name}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        browser.base + "/swaps/new/", data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": token, "Referer": browser.base + "/swaps/new/"},
    )
    with browser.opener.open(request, timeout=300) as response:
        if "/swaps/targets/" not in response.geturl():
            raise SystemExit(f"the upload was refused: {response.read().decode()[:2000]}")
        return response.geturl()


def wait(check, what: str, log: Path, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}; the worker's log is {log}")
        time.sleep(0.1)  # pages poll every second or two; we poll faster to measure


def one_round(browser: Browser, avatar: str, name: str, data: bytes, content_type: str, log: Path) -> tuple[float, float]:
    started = time.perf_counter()
    picker = upload(browser, avatar, name, data, content_type)
    path = picker.replace(browser.base, "").split("?")[0]

    def analysed_page() -> str:
        page = ""

        def finished():
            nonlocal page
            page = browser.get(path, **{"HX-Request": "true"})
            if "alert-error" in page:
                raise SystemExit(f"the upload's analysis failed: {page[:1500]}")
            return "Looking for faces" not in page

        wait(finished, "faces", log)
        return page

    page = analysed_page()
    if content_type.startswith("video/"):
        # The offline detector misses this clip's face in its first seconds: pick faces at 8 s,
        # as a person would with "Pick faces at ... seconds".
        browser.post(path + "frame/", {"seconds": "8"})
        page = analysed_page()
    if 'name="which"' not in page:
        raise SystemExit(f"no face was found in {name}")
    analysed = time.perf_counter() - started

    submitted = time.perf_counter()
    page = browser.post(path, {"avatar": avatar, "which": "all"})
    swap = re.search(r'/swaps/(\d+)/status/', page) or re.search(r'/swaps/(\d+)/result', page)
    if swap is None:
        raise SystemExit(f"the swap was not started: {page[:2000]}")
    pk = swap.group(1)

    def done():
        card = browser.get(f"/swaps/{pk}/card/", **{"HX-Request": "true"})
        if "status-failed" in card:
            raise SystemExit(f"swap {pk} failed: {card}")
        return "status-done" in card

    wait(done, f"swap {pk}", log)
    return analysed, time.perf_counter() - submitted, pk


def measure(inputs, rounds: int, **env) -> tuple[list, dict]:
    """The table's rows on one site; and the last video swap's id with the site's env."""
    with running_site(SAFEFACE_GENERATE_RATE="1000/m", SAFEFACE_SWAP_RATE="1000/m", **env) as (base, site_env, data):
        shell(site_env, f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('bench', password='{PASSWORD}')")
        browser = Browser(base)
        browser.log_in("bench", PASSWORD)
        log = data / "worker.log"
        page = browser.post("/studio/", {"count": 1, "seed": "5"})
        avatar = re.search(r'id="avatar-card-(\d+)"', page).group(1)
        wait(lambda: "status-done" in browser.get(f"/avatars/{avatar}/card/", **{"HX-Request": "true"}), "the avatar", log)
        one_round(browser, avatar, *inputs[0][1:], log)  # warm-up: the worker loads its engines once
        rows, last = [], None
        for label, name, payload, content_type in inputs:
            times = [one_round(browser, avatar, name, payload, content_type, log) for _ in range(rounds)]
            analysed, swapped, pks = zip(*times)
            rows.append((label, len(payload) / 2**20, statistics.median(analysed), statistics.median(swapped), min(swapped), max(swapped)))
            last = pks[-1]
        first_byte = first_bytes(browser, last, site_env) if "SAFEFACE_S3_BUCKET" in env else {}
    return rows, first_byte


def first_bytes(browser: Browser, pk: str, env: dict, tries: int = 20) -> dict:
    """Median ms to the first byte of swap `pk`'s video: through the view, and from a presigned
    URL (plus what the redirect's own request to the site would add: the card's ownership check)."""
    import boto3

    def first_byte(opener, url: str, **headers) -> float:
        started = time.perf_counter()
        with opener.open(urllib.request.Request(url, headers=headers), timeout=60) as response:
            response.read(1)
        return 1000 * (time.perf_counter() - started)

    through_view = statistics.median(first_byte(browser.opener, f"{browser.base}/swaps/{pk}/result.mp4") for _ in range(tries))
    check = statistics.median(first_byte(browser.opener, f"{browser.base}/swaps/{pk}/card/", **{"HX-Request": "true"})
                              for _ in range(tries))
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=env["SAFEFACE_S3_ENDPOINT_URL"], region_name=env["SAFEFACE_S3_REGION"],
                          aws_access_key_id=env["SAFEFACE_S3_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["SAFEFACE_S3_SECRET_ACCESS_KEY"], config=Config(signature_version="s3v4"))
    url = client.generate_presigned_url("get_object", Params={"Bucket": env["SAFEFACE_S3_BUCKET"], "Key": f"swaps/results/{pk}.mp4"},
                                        ExpiresIn=300)
    presigned = statistics.median(first_byte(urllib.request.build_opener(), url) for _ in range(tries))
    return {"view": through_view, "presigned": presigned, "check": check}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--s3", action="store_true", help="also with media on S3 (moto's server on loopback)")
    args = parser.parse_args()
    inputs = [
        ("photo 1280x720, 6 faces", "photo.jpg", photo_1280x720(), "image/jpeg"),
        ("video 10 s 1280x720 25 fps + AAC, 1 face", "clip.mp4", clip_720p(), "video/mp4"),
    ]
    runs = [("local files", {})]
    if args.s3:
        runs.append(("S3 (moto, loopback)", s3_env()))
    results = [(media, *measure(inputs, args.rounds, **env)) for media, env in runs]

    print(f"embedded default (SQLite, ORM broker, offline engines: mesh swapper), {os.cpu_count()} CPU cores, {args.rounds} rounds")
    print("| media | input | MB | median s upload to faces shown | median s submit to result | min s | max s |")
    print("|---|---|---|---|---|---|---|")
    for media, rows, _ in results:
        for label, size, analysed, median, low, high in rows:
            print(f"| {media} | {label} | {size:.1f} | {analysed:.2f} | {median:.2f} | {low:.2f} | {high:.2f} |")
    for media, _, first_byte in results:
        if first_byte:
            print(f"\nFirst byte of the video result on {media}, median of 20: streamed through the view "
                  f"{first_byte['view']:.1f} ms; presigned URL {first_byte['presigned']:.1f} ms, plus the redirect's "
                  f"own request to the site (its ownership check) {first_byte['check']:.1f} ms")


if __name__ == "__main__":
    main()
