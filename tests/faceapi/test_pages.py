"""The API page and the "face for a file" page."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_page_documents_every_endpoint_with_live_examples(client):
    page = client.get("/api/").content.decode()

    for endpoint in ("/api/face", "/api/morph", "/api/seed", "/api/status/", "/api/openapi.json"):
        assert endpoint in page
    live = re.findall(r'<img src="([^"]+)" data-face-live="\1"', page)
    assert any("/api/face?value=hello" in url for url in live) and any("frame=" in url for url in live)
    assert 'href="/api/file/"' in page and "/static/js/faceapi.js" in page


def test_every_live_example_is_a_valid_request(client):
    page = client.get("/api/").content.decode()
    for url in re.findall(r'data-face-live="([^"]+)"', page):
        assert client.get(url.replace("&amp;", "&")).status_code in (200, 202), url


def test_the_file_page_has_two_drop_zones_and_no_inline_script(client):
    response = client.get("/api/file/")
    page = response.content.decode()

    assert page.count('type="file"') == 2 and "data-face-for-file" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_nav_links_to_the_api(client):
    assert 'href="/api/"' in client.get("/").content.decode()
