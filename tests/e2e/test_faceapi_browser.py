"""The "face for a file" page in a real browser: files hashed in the page as they stream (the
vendored SHA-256, no upload), their faces rendered by the real worker and shown side by side."""

import hashlib
import os

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


def test_a_large_file_is_hashed_as_it_streams_and_a_hash_can_be_cancelled(page, cluster_media, settings, tmp_path):  # noqa: F811
    settings.SAFEFACE_API_CACHE_DIR = ""
    settings.SAFEFACE_API_WAIT = 10
    large = tmp_path / "large.bin"  # many of the stream's chunks
    large.write_bytes(os.urandom(48 * 2**20))
    huge = tmp_path / "huge.iso"  # 2 GB of zeros, sparse on disk: long enough to cancel
    with huge.open("wb") as handle:
        handle.truncate(2 * 2**30)

    page.goto("/api/file/")
    page.locator("input[type=file]").nth(0).set_input_files(large)
    expect(page.locator(".file-hash").nth(0)).to_have_text(hashlib.sha256(large.read_bytes()).hexdigest(), timeout=60_000)

    page.locator("input[type=file]").nth(1).set_input_files(huge)
    expect(page.locator(".file-hash").nth(1)).to_contain_text("hashing…")
    page.locator(".file-cancel").nth(1).click()
    expect(page.locator(".file-hash").nth(1)).to_have_text("cancelled")
    expect(page.locator(".file-cancel").nth(1)).to_be_hidden()
    assert page.locator(".compare-verdict").is_hidden()  # nothing to compare with a cancelled file


def test_the_api_page_shows_its_live_examples(page, cluster_media, settings):  # noqa: F811
    settings.SAFEFACE_API_CACHE_DIR = ""
    settings.SAFEFACE_API_WAIT = 10

    with page.expect_response(lambda r: "/api/morph" in r.url and "format=webp" in r.url and r.status == 200, timeout=90_000):
        page.goto("/api/")
    page.wait_for_load_state("networkidle")
    # Four faces, a blend, a morph, its four frames, and the CheckFace-shaped URL's face.
    assert page.locator("img[data-face-live]").count() == 11
    page.screenshot(path=ARTIFACTS / "face-api.png", full_page=True)
