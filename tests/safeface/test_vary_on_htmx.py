"""A URL that answers htmx with a partial and a browser with the whole page says so
(`Vary: HX-Request`), so no cache hands one the other's answer."""

import pytest
from django.utils.cache import has_vary_header

from moderation.models import Report
from tests.swaps.conftest import alices_avatar, make_avatar, media, swap  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client, alice, bob, swap, settings):  # noqa: F811
    """Each page that answers a partial or a whole page, and who may see it."""
    settings.SAFEFACE_HEALTH_QUEUE_TIMEOUT = 0.1
    swap.avatar.is_public = True
    swap.avatar.save()
    return {
        "gallery": (None, "/gallery/"),
        "status": (None, "/status/"),
        "my-avatars": (alice, "/avatars/"),
        "my-swaps": (alice, "/swaps/"),
        "new-swap": (alice, "/swaps/new/"),
        "face-picker": (alice, f"/swaps/targets/{swap.target.pk}/"),
        "report": (bob, f"/report/avatar/{swap.avatar.pk}/"),
    }


@pytest.mark.parametrize("page", ["gallery", "status", "my-avatars", "my-swaps", "new-swap", "face-picker", "report"])
@pytest.mark.parametrize("htmx", [True, False], ids=["partial", "whole-page"])
def test_a_page_with_a_partial_varies_on_hx_request(client, pages, page, htmx):
    user, url = pages[page]
    if user is not None:
        client.force_login(user)

    response = client.get(url, headers={"HX-Request": "true"} if htmx else {})

    assert response.status_code == 200
    assert has_vary_header(response, "HX-Request"), response.get("Vary")


def test_a_report_sent_without_htmx_still_varies(client, bob, swap):  # noqa: F811
    swap.avatar.is_public = True
    swap.avatar.save()
    client.force_login(bob)

    response = client.post(f"/report/avatar/{swap.avatar.pk}/", {"reason": Report.Reason.OTHER, "note": "x"})

    assert response.status_code == 302 and has_vary_header(response, "HX-Request")


def test_a_page_without_a_partial_does_not_vary_on_it(client):
    assert not has_vary_header(client.get("/"), "HX-Request")
