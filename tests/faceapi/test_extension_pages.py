"""The extension's install page and its packages, as the site serves them."""

import io
import json
import zipfile

import pytest

from faceapi import extension

pytestmark = pytest.mark.django_db


def test_the_install_page_offers_both_packages_and_says_how_to_load_them(client):
    page = client.get("/api/extension/").content.decode()
    assert 'href="/api/extension/chromium.zip"' in page and 'href="/api/extension/firefox.zip"' in page
    assert "Load unpacked" in page and "Load Temporary Add-on" in page
    assert "http://testserver" in page  # the server it will ask for faces


def test_the_api_page_links_the_extension(client):
    assert 'href="/api/extension/"' in client.get("/api/").content.decode()


def test_a_package_is_stamped_with_the_site_it_was_downloaded_from(client):
    response = client.get("/api/extension/firefox.zip", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{extension.package_name("firefox")}"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("server.json")) == {"server": "http://127.0.0.1"}
    assert response.content == extension.package("firefox", "http://127.0.0.1")  # what make extension builds


def test_a_package_the_browser_has_is_not_sent_again(client):
    first = client.get("/api/extension/chromium.zip")
    again = client.get("/api/extension/chromium.zip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_an_unknown_browser_is_a_404(client):
    assert client.get("/api/extension/safari.zip").status_code == 404
