"""A new user swaps an avatar onto a short video in a real browser (Debian's Chromium):
drops the MP4 onto the upload field and sees the upload progress bar move, picks the
face, watches the swap's progress, then plays the result with its sound and seeks in it
(the server answers the player's range requests with 206). Screenshots go to test-artifacts/."""

import base64
import re

import pytest

from tests.e2e.test_browser import ARTIFACTS, PASSWORD, page  # noqa: F401 (the browser fixture)
from tests.swaps import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Injected by Playwright before the page's own scripts (the CSP does not apply to it): reports
# what the person sees, to a Python function exposed as window.seen. Reading the bar in a
# timeout lets swaps.js's own htmx:xhr:progress listener update it first.
WATCHER = """
document.addEventListener("htmx:xhr:progress", () => setTimeout(() => {
  const bar = document.querySelector(".upload-progress");
  const status = document.querySelector("[data-upload-status]");
  if (bar) window.seen({kind: "upload", value: bar.value, hidden: bar.hidden, text: status.textContent});
}));
document.addEventListener("DOMContentLoaded", () => {
  let last = null;
  const report = () => {
    const box = document.getElementById("swap-status");
    const text = box ? box.innerText.trim() : null;
    if (text && text !== last) { last = text; window.seen({kind: "swap", text}); }
  };
  report();
  new MutationObserver(report).observe(document.body, {childList: true, subtree: true});
});
"""

DROP = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "video/mp4"}));
  return transfer;
}"""

PLAY = """async (video) => {
  video.muted = false;
  video.volume = 1;
  await video.play();
  await new Promise((done) => setTimeout(done, 800));
  video.pause();
  return {readyState: video.readyState, currentTime: video.currentTime, duration: video.duration,
          audioBytes: video.webkitAudioDecodedByteCount, videoBytes: video.webkitVideoDecodedByteCount,
          width: video.videoWidth, height: video.videoHeight};
}"""

SEEK = """async (video) => {
  const target = video.duration / 2;
  const seeked = new Promise((done) => video.addEventListener("seeked", done, {once: true}));
  video.currentTime = target;
  await seeked;
  return {target, currentTime: video.currentTime, readyState: video.readyState};
}"""


def sign_up_and_generate_an_avatar(page, username):  # noqa: F811 (the fixture's name)
    from playwright.sync_api import expect

    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button:has-text('Sign up')")
    page.wait_for_url("**/accounts/")
    page.goto("/studio/")
    page.click(".generate-bar label.chip:has-text('1')")
    page.click("button:has-text('Generate')")
    expect(page.locator(".recent .avatar-card.status-done img")).to_have_count(1, timeout=120_000)


def test_a_person_drops_a_video_swaps_its_face_and_plays_the_result_with_sound(page, cluster_media, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    seen, results = [], []
    page.expose_function("seen", lambda event: seen.append(event))
    page.add_init_script(WATCHER)
    page.on("response", lambda r: "/result.mp4" in r.url and results.append((r.status, r.headers.get("content-range"))))
    # Long enough (150 frames: 2.5 to 4 s at the 40 to 60 fps the mesh swapper makes here) for the page's
    # once-a-second poll to show the swap running; short enough to keep the test quick.
    clip = samples.clip(tmp_path / "clip.mp4", seconds=6.0, fps=25, width=320, height=240)

    sign_up_and_generate_an_avatar(page, "gus")
    page.click(".nav-links >> text=Swaps")
    page.click("text=New swap")
    page.click(".avatar-option >> nth=0")

    # Drag and drop, as a file manager does it: the zone lights up, the file lands in the input.
    transfer = page.evaluate_handle(DROP, ["clip.mp4", base64.b64encode(clip.read_bytes()).decode()])
    page.dispatch_event("[data-dropzone]", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("[data-dropzone]", "dragover", {"dataTransfer": transfer})
    expect(page.locator("[data-dropzone]")).to_have_class(re.compile(r"\bdropzone-over\b"))
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    expect(page.locator("[data-dropzone]")).not_to_have_class(re.compile(r"\bdropzone-over\b"))
    assert page.locator("[data-file-name]").inner_text() == "clip.mp4"
    # The zone shows the name once: the browser's own file button is hidden in it, not shown beside it.
    assert page.locator("input[type=file]").bounding_box()["width"] <= 1
    assert page.eval_on_selector("input[type=file]", "input => input.files.length && input.files[0].size") == clip.stat().st_size

    # Throttle the upload (as on a slow line) so that its progress shows in several steps.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": clip.stat().st_size / 2})
    page.click("button:has-text('Upload and find faces')")
    expect(page.locator("[data-upload-status]")).to_have_text(re.compile(r"Uploading… [1-9]\d?%"))
    page.screenshot(path=ARTIFACTS / "swap-drop.png", full_page=True)
    expect(page.locator("button:has-text('Upload and find faces')")).to_be_disabled()  # no second upload meanwhile
    page.wait_for_url("**/swaps/targets/**")
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    uploads = [event for event in seen if event["kind"] == "upload"]
    assert uploads, "the upload progress bar got no htmx:xhr:progress event"
    assert all(not event["hidden"] for event in uploads), uploads
    assert len(uploads) >= 2 and uploads[0]["value"] < 100, uploads
    assert uploads[-1]["value"] == 100 and uploads[-1]["text"] == "Checking the file…", uploads

    expect(page.locator(".face-row")).not_to_have_count(0, timeout=60_000)
    expect(page.locator("figcaption")).to_contain_text("with sound")
    page.click("button:has-text('Swap')")
    page.wait_for_url(re.compile(r"/swaps/\d+/$"))
    video = page.locator("figure.swap-video video")
    expect(video).to_be_visible(timeout=120_000)
    statuses = [event["text"] for event in seen if event["kind"] == "swap"]
    assert any(re.search(r"Swapping… \d+% · [\d.]+ frames a second", text) for text in statuses), statuses
    expect(page.locator(".facts")).to_contain_text("frames a second")

    # Debian's Chromium is built with the proprietary codecs: H.264 and AAC in MP4 play.
    assert video.evaluate("""v => v.canPlayType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"')""") == "probably"
    played = video.evaluate(PLAY)
    assert played["readyState"] >= 2 and played["currentTime"] > 0.3, played
    assert (played["width"], played["height"]) == (320, 240), played
    assert played["audioBytes"] > 0, f"Chromium decoded no sound: {played}"
    sought = video.evaluate(SEEK)
    assert abs(sought["currentTime"] - sought["target"]) < 0.15 and sought["readyState"] >= 2, sought
    assert any(status == 206 and content_range for status, content_range in results), results
    page.screenshot(path=ARTIFACTS / "swap-video-result.png", full_page=True)
