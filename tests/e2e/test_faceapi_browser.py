"""The "face for a file" page in a real browser: two files hashed in the page (Web Crypto,
no upload), their faces rendered by the real worker and shown side by side."""

import hashlib

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import ARTIFACTS, page  # noqa: F401  (the Playwright page fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_person_drops_two_files_and_compares_their_faces(page, cluster_media, settings, tmp_path):  # noqa: F811
    settings.SAFEFACE_API_CACHE_DIR = ""
    settings.SAFEFACE_API_WAIT = 10
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_bytes(b"release 1.0\n")
    second.write_bytes(b"release 1.1\n")
    uploads = []
    page.on("request", lambda r: r.method != "GET" and uploads.append(r.url))

    page.goto("/api/file/")
    page.locator("input[type=file]").nth(0).set_input_files(first)
    page.locator("input[type=file]").nth(1).set_input_files(second)

    hashes = page.locator(".file-hash")
    # Not wait_for_function: it evaluates a string, which our CSP (no eval) refuses.
    expect(page.locator('.file-face img[src^="blob:"]')).to_have_count(2, timeout=60_000)
    assert hashes.nth(0).inner_text() == hashlib.sha256(first.read_bytes()).hexdigest()
    assert hashes.nth(1).inner_text() == hashlib.sha256(second.read_bytes()).hexdigest()
    assert page.locator(".compare-verdict").inner_text() == "Different faces: the files differ."
    assert uploads == []  # nothing but GETs for the faces: the files never leave the browser
    page.screenshot(path=ARTIFACTS / "face-for-a-file.png", full_page=True)


def test_the_api_page_shows_its_live_examples(page, cluster_media, settings):  # noqa: F811
    settings.SAFEFACE_API_CACHE_DIR = ""
    settings.SAFEFACE_API_WAIT = 10

    with page.expect_response(lambda r: "/api/morph" in r.url and "format=webp" in r.url and r.status == 200, timeout=90_000):
        page.goto("/api/")
    page.wait_for_load_state("networkidle")
    # Four faces, a blend, a morph, its four frames, and the CheckFace-shaped URL's face.
    assert page.locator("img[data-face-live]").count() == 11
    page.screenshot(path=ARTIFACTS / "face-api.png", full_page=True)
