import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_home_page_serves_its_own_assets(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/css/site.css" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_every_htmx_request_carries_a_working_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    html = client.get("/").content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", html).group(1)

    forged = client.post("/accounts/logout/", headers={"HX-Request": "true"})
    assert forged.status_code == 403
    assert b"Not allowed" in forged.content

    response = client.post("/accounts/logout/", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 302


def test_the_static_files_are_served(client):
    for path in ("/static/css/site.css", "/static/django_htmx/htmx-2.min.js", "/static/img/logo.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)


def test_an_unknown_url_is_a_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Nothing here" in response.content
    assert b"/static/css/site.css" in response.content


def test_a_server_error_is_a_styled_500_without_a_traceback(settings):
    settings.ROOT_URLCONF = "tests.urls"
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"a bug the visitor must not see" not in response.content
    assert b"Traceback" not in response.content


def test_the_status_page_renders_its_partial_for_htmx(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.2
    full = client.get("/status/")
    partial = client.get("/status/", headers={"HX-Request": "true"})
    assert b"<h1>System status</h1>" in full.content
    assert partial.content.lstrip().startswith(b'<div id="system-status"')
    assert b"<html" not in partial.content


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_uses_inline_styles_or_scripts():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if any(marker in path.read_text() for marker in (" style=", "<script>", " onclick=", " onchange=", " onload="))
    ]
    assert offenders == []


def test_the_status_page_shows_each_model_s_licence_and_the_policy(client, settings):
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    page = client.get("/status/").content.decode()
    assert "Licence policy: <strong>any</strong>" in page
    assert "MobileStyleGAN distilled from NVIDIA StyleGAN2-FFHQ" in page and "not allowed" in page
    assert "AGPL-3.0-only" in page and "OpenCV Zoo SFace" in page

    settings.SAFEFACE_MODEL_LICENCES = "commercial"
    page = client.get("/status/", headers={"HX-Request": "true"}).content.decode()
    assert "Licence policy: <strong>commercial</strong>" in page
    assert "DCGAN trained on DigiFace-1M" in page and "MobileStyleGAN" not in page
    assert "not allowed" not in page
