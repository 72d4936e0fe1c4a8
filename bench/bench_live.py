"""Live, end to end on one machine: frames per second received and glass-to-glass delay at
640x480, one face, with the live identity check.

    .venv/bin/python bench/bench_live.py [--seconds 20] [--budget 0.25] [--threads N] [--record]
    .venv/bin/python bench/bench_live.py --identity 5

Starts the site, its worker and a live worker on a throwaway data folder (the embedded
default), generates one avatar, and opens Live in Debian's Chromium with a fake camera playing a
clip of a real person (insightface's portrait) whose frames carry their number as black and white
blocks in the top left corner. The page shows the camera's frames too (a second, local <video>
the bench adds); requestVideoFrameCallback reads the number of every frame shown on each, and the
delay of a frame is when it is shown swapped minus when it is shown as it came. The live
worker's own costs per frame (decode to RGB, track, swap, blur, frame back to the encoder) and
the identity checks come from its session row. The browser runs on the same 2 cores: its camera,
its VP8 encoder and decoder take their share. With --record the measured seconds are recorded
(Chromium's fake microphone for sound), and the table gets the recording's row: frames written
and dropped, the job worker's labelling time and the identity check made while recording.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import Browser, running_site, shell

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # samples/, beside bench/
from samples.clips import STAMP_BITS, STAMP_HEIGHT, STAMP_WIDTH, clip_frames, stamp_number, write_y4m

PASSWORD = "bench-password-123"
FPS = 25
CLIP_SECONDS = 8  # frame numbers repeat after this: far longer than any delay

MEASURE = """async ({seconds, bits, blockWidth, blockHeight}) => {
    const remote = document.querySelector("[data-live-video]");
    const local = document.createElement("video");
    local.muted = true; local.playsInline = true;
    local.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    document.body.append(local); await local.play();
    const canvas = document.createElement("canvas");
    canvas.width = bits * blockWidth; canvas.height = blockHeight;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const read = (video) => {
        context.drawImage(video, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let number = 0;
        for (let bit = 0; bit < bits; bit++) {
            const x = bit * blockWidth + blockWidth / 2, y = blockHeight / 2;
            const value = pixels[(y * canvas.width + x) * 4 + 1];
            if (value > 70 && value < 185) return null;  // not a clean block: blurred or damaged
            number = number * 2 + (value >= 185 ? 1 : 0);
        }
        return number;
    };
    const shownLocal = new Map(), delays = [];
    let remoteFrames = 0, unreadable = 0;
    const end = performance.now() + seconds * 1000;
    const watch = (video, onFrame) => {
        const tick = (now) => { if (now < end) { onFrame(now); video.requestVideoFrameCallback(tick); } };
        video.requestVideoFrameCallback(tick);
    };
    watch(local, (now) => { const n = read(local); if (n !== null) shownLocal.set(n, now); });
    watch(remote, (now) => {
        remoteFrames++;
        const n = read(remote);
        if (n === null) { unreadable++; return; }
        if (shownLocal.has(n)) delays.push(now - shownLocal.get(n));
    });
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 200));
    return { remoteFrames, unreadable, delays };
}"""


def make_camera(folder: Path) -> Path:
    frames = clip_frames(640, 480, CLIP_SECONDS * FPS)
    return write_y4m(folder / "camera.y4m", [stamp_number(frame, index) for index, frame in enumerate(frames)], FPS)


def make_avatar(browser: Browser) -> int:
    page = browser.post("/studio/", {"count": 1, "seed": "5"})
    pk = re.findall(r'id="avatar-card-(\d+)"', page)[0]
    while "status-done" not in (card := browser.get(f"/avatars/{pk}/card/", **{"HX-Request": "true"})):
        if "status-failed" in card:
            raise SystemExit("the avatar failed")
        time.sleep(0.3)
    return int(pk)


def wait_for_recording(env, folder: Path) -> dict:
    """The recording's swap row once the job worker has labelled it."""
    out = folder / "recording.json"
    script = ("import json; from swaps.models import SwapJob; j = SwapJob.objects.latest('pk'); "
              f"open('{out}', 'w').write(json.dumps({{'status': j.status, 'error': j.error, 'timings': j.timings, 'fps': j.fps, "
              "'recognised': j.identity_recognised, 'moments': j.identity_check.judged_frames if j.identity_check else 0, "
              "'matching': [f.matching_moments for f in j.identity_check.faces] if j.identity_check else []}))")
    for _ in range(240):
        shell(env, script)
        row = json.loads(out.read_text())
        if row["status"] in ("done", "failed"):
            return row
        time.sleep(0.5)
    raise SystemExit("the recording was not labelled within 2 minutes")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def identity(avatars: int) -> None:
    """Which swap to start a live session with: every frame of a 4 s clip of the portrait swapped
    by LiveSwap with each swapper (no browser), and every swapped frame judged by both judges."""
    from facekit.engines.analysis import OfflineAnalyser
    from facekit.engines.live import LiveSwap
    from facekit.engines.recognition import load_judges
    from facekit.engines.registry import load_generator
    from facekit.engines.swapping import IdentityMeshSwapper, prepare_source
    from samples.clips import portrait

    analyser, judges = OfflineAnalyser(), load_judges("auto")
    person = portrait()
    known = {judge.name: judge.embed(person, max(analyser.detect(person), key=lambda f: f.area)) for judge in judges}
    generator = load_generator("mobilestylegan", analyser=analyser)
    frames = clip_frames(640, 480, 4 * FPS)
    print(f"\nFrames still recognised as the camera's person, of {len(frames)} swapped frames per avatar "
          "(MobileStyleGAN avatars, seeds 5, 11, 23, ...; the closest distance in brackets)\n")
    print("| avatar seed | swap | dlib | SFace |")
    print("|---|---|---|---|")
    for seed in (5, 11, 23, 37, 41)[:avatars]:
        (image,) = generator.generate({}, [seed], 512)
        source = prepare_source(analyser, image)
        for swapper in (IdentityMeshSwapper(), IdentityMeshSwapper.strong()):
            live = LiveSwap(source, swapper, analyser, fps=FPS)
            matched = {judge.name: 0 for judge in judges}
            closest = {judge.name: 9.0 for judge in judges}
            for index, frame in enumerate(frames):
                out = live(frame, index / FPS)
                for face in analyser.detect(out.image):
                    for judge in judges:
                        vector = judge.embed(out.image, face)
                        if vector is None:
                            continue
                        distance = float(judge.distance(vector, known[judge.name]))
                        closest[judge.name] = min(closest[judge.name], distance)
                        matched[judge.name] += distance < judge.threshold
            print(f"| {seed} | {swapper.name} | " + " | ".join(f"{matched[j.name]} ({closest[j.name]:.2f})" for j in judges) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identity", type=int, default=0, metavar="AVATARS",
                        help="instead: how often each swap leaves the person recognisable, over this many avatars")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--budget", default="0.25", help="SAFEFACE_LIVE_FRAME_BUDGET for the live worker")
    parser.add_argument("--threads", default="", help="SAFEFACE_ENGINE_THREADS for the workers (default: the setting's)")
    parser.add_argument("--record", action="store_true", help="record while measuring (the Record button)")
    args = parser.parse_args()
    if args.identity:
        return identity(args.identity)
    from playwright.sync_api import expect, sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="safeface-live-bench-"))
    camera = make_camera(folder)
    extra = {"SAFEFACE_ENGINE_THREADS": args.threads} if args.threads else {}
    with running_site(live=True, SAFEFACE_GENERATE_RATE="1000/m", SAFEFACE_LIVE_FRAME_BUDGET=args.budget, **extra) as (base, env, data):
        shell(env, f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('bench', password='{PASSWORD}')")
        client = Browser(base)
        client.log_in("bench", PASSWORD)
        make_avatar(client)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={camera}",
                "--disable-features=WebRtcHideLocalIpsWithMdns"])
            page = browser.new_page(base_url=base)
            page.goto("/accounts/login/")
            page.fill("#id_username", "bench")
            page.fill("#id_password", PASSWORD)
            page.click("button:has-text('Log in')")
            page.goto("/live/")
            started = time.perf_counter()
            page.click("button:has-text('Start the camera')")
            expect(page.locator("[data-live-placeholder]")).to_be_hidden(timeout=120_000)
            first_frame = time.perf_counter() - started
            time.sleep(3)  # past the first whole-frame searches
            if args.record:
                page.click("[data-live-record]")
                expect(page.locator("[data-live-recording]")).to_contain_text("Recording", timeout=30_000)
            measured = page.evaluate(MEASURE, {"seconds": args.seconds, "bits": STAMP_BITS,
                                               "blockWidth": STAMP_WIDTH, "blockHeight": STAMP_HEIGHT})
            page.click("[data-live-stop]")
            if args.record:
                expect(page.locator("[data-live-recordings] li")).to_have_count(1, timeout=120_000)
            browser.close()
        shell(env, "import json; from live.models import LiveSession; s = LiveSession.objects.latest('created_at'); "
                   f"open('{folder / 'stats.json'}', 'w').write(json.dumps(s.stats))")
        stats = json.loads((folder / "stats.json").read_text())
        recorded = wait_for_recording(env, folder) if args.record else None

    delays = measured["delays"]
    print(f"\nLive at 640x480, one face, live check on; {args.seconds:.0f} s measured; frame budget {args.budget} s; "
          f"engine threads {args.threads or 'as set'}; "
          f"first swapped frame {first_frame:.1f} s after Start (engines already loaded)\n")
    print("| received fps | delay p50 | delay p95 | frames read | unreadable (blurred) | worker fps sent | worker fps swapped |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {measured['remoteFrames'] / args.seconds:.1f} | {statistics.median(delays):.0f} ms | {percentile(delays, 0.95):.0f} ms "
          f"| {len(delays)} | {measured['unreadable']} | {stats['fps_sent']} | {stats['fps_swapped']} |" if delays else
          f"| {measured['remoteFrames'] / args.seconds:.1f} | – | – | 0 | {measured['unreadable']} | {stats.get('fps_sent')} | {stats.get('fps_swapped')} |")
    print("\nThe live worker's cost per frame (ms; 'frame' is the swapped picture handed to aiortc's encoder):\n")
    print("| " + " | ".join(stats["ms"]) + " | identity checks | frames (camera, swapped, held, blurred, late, sent) |")
    print("|" + "---|" * (len(stats["ms"]) + 2))
    counts = stats["frames"]
    print("| " + " | ".join(str(v) for v in stats["ms"].values()) + f" | {stats['checks']} in {stats['seconds']} s | "
          + ", ".join(str(counts.get(k, 0)) for k in ("camera", "swapped", "held", "blurred", "late", "sent")) + " |")
    if recorded is not None:
        timings = recorded["timings"]
        print("\nThe recording (written by the live worker, labelled by the job worker):\n")
        print("| status | recorded | frames/s written | frames dropped | labelling | identity check |")
        print("|---|---|---|---|---|---|")
        verdict = (f"{recorded['moments']} moments, " + ("may be recognised at " + str(recorded["matching"]) if recorded["recognised"]
                                                        else "no match"))
        print(f"| {recorded['status']} {recorded['error']} | {timings.get('recorded')} s | {recorded['fps']} | "
              f"{timings.get('dropped_frames')} | {timings.get('labelling')} s | {verdict} |")


if __name__ == "__main__":
    main()
