"""The browser extension in real Chromium, loaded unpacked as the site packs it for this test
server: the context-menu handlers (called through the extension's service worker, as a context
menu cannot be clicked headless), a download hashed as it streams, the comparison in words, and
faces beside hashes only on a site that was turned on."""

import hashlib
import http.server
import os
import re
import subprocess
import threading
from functools import partial
from types import SimpleNamespace

import pytest
from django.db import connections
from playwright.sync_api import expect

from faceapi import extension
from faceapi.models import FaceRender
from faceapi.params import seed_for
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOW_SELECTION = "([text, page]) => safeface.showSelection(text, page)"
SHOW_LINK = "([url, page]) => safeface.showLink(url, page)"
ENABLE_SITE = "(origin) => safeface.enableSite(origin)"
BLOB = re.compile(r"^blob:")


@pytest.fixture
def files_site(tmp_path):
    """Another web site on loopback (a plain file server), with a download page and its files."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(folder=folder, port=server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(live_server, cluster_media, settings, tmp_path, monkeypatch):
    """Chromium with the extension the site serves to this server, and its service worker."""
    settings.SAFEFACE_API_CACHE_DIR = ""
    settings.SAFEFACE_API_WAIT = 10
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    folder = extension.unpack("chromium", live_server.url, tmp_path / "extension")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, viewport={"width": 1100, "height": 760},
            args=[*CHROMIUM_FLAGS, f"--disable-extensions-except={folder}", f"--load-extension={folder}"],
        )
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
        errors = []
        base = worker.url.rsplit("/js/", 1)[0]

        def open_page(path, width=1100, height=760):
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": height})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path if "://" in path else f"{base}/{path}")
            return page

        yield SimpleNamespace(context=context, worker=worker, open=open_page)
        context.close()
        connections.close_all()
    assert errors == [], errors


def test_a_selection_shows_its_face_and_only_the_seed_reaches_the_server(browser, live_server):
    digest = hashlib.sha256(b"ubuntu 26.04").hexdigest()
    # A line of a SHA256SUMS file, in capitals: the digest is the value, in lower case.
    entry = browser.worker.evaluate(SHOW_SELECTION, [f"  {digest.upper()}  ubuntu.iso ", {"url": "https://releases.example.org/", "title": "Releases"}])
    assert entry["value"] == digest and entry["seed"] == str(seed_for(digest))

    popup = browser.open("popup.html", width=360, height=600)
    expect(popup.locator(".latest-face")).to_have_attribute("src", BLOB, timeout=90_000)
    assert popup.locator(".latest-what").inner_text() == f"The SHA-256 {digest[:10]}…{digest[-10:]} on releases.example.org, just now"
    # The server was asked for the seed, never for the value.
    asked = list(FaceRender.objects.values_list("url", flat=True))
    assert any(f"seed={seed_for(digest)}" in url for url in asked), asked
    assert not any(digest in url for url in asked)
    assert popup.locator(".verdict").is_hidden()  # one face: nothing to compare yet


def test_the_comparison_says_why_two_values_can_never_match(browser):
    """values.js in the extension's own page: a file's SHA-256 against a SHA-1, and a selection
    that is too long (the API's limit)."""
    page = browser.open("popup.html", width=360, height=600)
    said = page.evaluate("""async () => {
        const { compare, readValue } = await import("./js/values.js");
        const sha1 = { kind: "text", ...readValue("da39a3ee5e6b4b0d3255bfef95601890afd80709"), where: "https://example.org/", seed: "1" };
        const file = { kind: "file", label: "empty.iso", value: "e3b0", digestKind: "SHA-256", seed: "2" };
        let long;
        try { readValue("x".repeat(1001)); } catch (error) { long = error.message; }
        return { verdict: compare(file, sha1), long };
    }""")
    assert said["verdict"] == {"same": False, "text": (
        "These can never match: the SHA-1 da39a3ee5e…90afd80709 on example.org has 40 hex digits, "
        "and empty.iso's face is of its SHA-256 (64). Look for the SHA-256 on that page.")}
    assert said["long"] == "The selection is 1001 characters long; select at most 1000."


def test_a_download_is_hashed_as_it_streams_and_compared_with_the_published_checksum(browser, files_site):
    download = files_site.folder / "disk.img"
    download.write_bytes(os.urandom(48 * 2**20))
    published = subprocess.run(["sha256sum", str(download)], capture_output=True, text=True, check=True).stdout.split()[0]
    release = f"http://localhost:{files_site.port}/release.html"
    browser.worker.evaluate(SHOW_SELECTION, [published, {"url": release, "title": "Release"}])

    with browser.context.expect_page() as opened:
        browser.worker.evaluate(SHOW_LINK, [f"http://localhost:{files_site.port}/disk.img", {"url": release}])
    window = opened.value
    expect(window.locator(".digest")).to_have_text(published, timeout=120_000)
    expect(window.locator(".verdict")).to_have_text(
        f"Match: disk.img is the file that the SHA-256 {published[:10]}…{published[-10:]} on localhost:{files_site.port} describes. Same value, same face.")
    expect(window.locator(".face")).to_have_attribute("src", BLOB, timeout=90_000)
    window.set_viewport_size({"width": 460, "height": 640})
    window.screenshot(path=ARTIFACTS / "extension-file.png", full_page=True)

    # Another page's checksum for the same file name: the popup compares the newest two in words.
    other = hashlib.sha256(b"a different disk image").hexdigest()
    browser.worker.evaluate(SHOW_SELECTION, [other, {"url": "https://mirror.example.net/", "title": "Mirror"}])
    popup = browser.open("popup.html", width=360, height=760)
    expect(popup.locator(".verdict")).to_have_text(
        f"No match: disk.img is not the file that the SHA-256 {other[:10]}…{other[-10:]} on mirror.example.net describes. "
        "It may be damaged or replaced: download it again from a source you trust, or ask the site.")
    expect(popup.locator(".pair-face").nth(1)).to_have_attribute("src", BLOB, timeout=90_000)
    expect(popup.locator(".latest-face")).to_have_attribute("src", BLOB, timeout=90_000)
    popup.screenshot(path=ARTIFACTS / "extension-popup.png", full_page=True)


def test_a_large_download_can_be_cancelled_while_it_streams(browser, files_site):
    with (files_site.folder / "huge.iso").open("wb") as handle:
        handle.truncate(4 * 2**30)  # 4 GiB of zeros, sparse on disk

    with browser.context.expect_page() as opened:
        browser.worker.evaluate(SHOW_LINK, [f"http://localhost:{files_site.port}/huge.iso", {"url": ""}])
    window = opened.value
    expect(window.locator(".progress-text")).to_contain_text("% of 4295 MB", timeout=30_000)
    window.locator(".cancel").click()
    expect(window.locator(".progress-text")).to_have_text("Cancelled.")
    assert window.locator(".result").is_hidden()


def test_faces_appear_beside_hashes_only_on_a_site_that_was_turned_on(browser, files_site):
    sha256 = hashlib.sha256(b"release").hexdigest()
    commit = hashlib.sha1(b"commit").hexdigest()
    (files_site.folder / "release.html").write_text(
        "<!doctype html><title>Release</title><h1>Release 1.0</h1>"
        f"<p>SHA-256: <code>{sha256}</code></p><p>Built from commit {commit.upper()}.</p>"
        f"<p>Not a digest: {'ab' * 31}a and {sha256}ff.</p><textarea>{sha256}</textarea>"
    )
    turned_on, other = f"http://localhost:{files_site.port}", f"http://127.0.0.1:{files_site.port}"
    assert browser.worker.evaluate(ENABLE_SITE, other) is False  # never granted: not turned on
    assert browser.worker.evaluate(ENABLE_SITE, turned_on) is True  # granted with the server's host

    elsewhere = browser.open(f"{other}/release.html")
    page = browser.open(f"{turned_on}/release.html")
    badges = page.locator(".safeface-badge")
    expect(badges).to_have_count(2, timeout=90_000)
    assert badges.evaluate_all("els => els.map(e => e.dataset.value)") == [sha256, commit]
    badges.first.hover()
    expect(page.locator(".safeface-badge .card img").first).to_have_attribute("src", re.compile(r"^data:image/"), timeout=90_000)
    page.screenshot(path=ARTIFACTS / "extension-badges.png")
    assert elsewhere.locator(".safeface-badge").count() == 0  # loaded first, and no face came


def test_a_file_on_this_computer_is_hashed_in_the_extension(browser, tmp_path):
    chosen = tmp_path / "notes.txt"
    chosen.write_bytes(b"hashed here, never uploaded\n" * 1000)
    window = browser.open("hash.html", width=460, height=640)
    window.locator(".file-input").set_input_files(chosen)
    expect(window.locator(".digest")).to_have_text(hashlib.sha256(chosen.read_bytes()).hexdigest(), timeout=60_000)
    expect(window.locator(".verdict")).to_contain_text("To check this file, select its published SHA-256")
    expect(window.locator(".face")).to_have_attribute("src", BLOB, timeout=90_000)


def test_the_settings_name_the_server_it_was_downloaded_from_and_refuse_a_bad_one(browser, live_server):
    settings_page = browser.open("options.html")
    expect(settings_page.locator("#server")).to_have_value(live_server.url)
    expect(settings_page.locator(".server-status")).to_have_text(f"{live_server.url} answers: faces come from there.", timeout=90_000)
    settings_page.fill("#server", "ftp://faces.example.org")
    settings_page.click("button:has-text('Save')")
    expect(settings_page.locator(".server-status")).to_have_text("The server's address must start with https:// or http://.")
    settings_page.reload()
    expect(settings_page.locator("#server")).to_have_value(live_server.url)  # nothing was saved


def test_the_install_page_downloads_the_package_made_for_this_server(browser, live_server, tmp_path):
    page = browser.open(f"{live_server.url}/api/extension/")
    page.screenshot(path=ARTIFACTS / "extension-install.png", full_page=True)
    with page.expect_download() as downloading:
        page.click("text=Download for Chromium")
    download = downloading.value
    assert download.suggested_filename == extension.package_name("chromium")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes() == extension.package("chromium", live_server.url)  # what these tests load, unpacked
