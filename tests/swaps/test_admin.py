"""Moderators see swaps in the admin with thumbnails, filters and the bulk actions."""

import pytest

pytestmark = pytest.mark.django_db


def test_staff_list_swaps_with_thumbnails_and_can_hide_them(client, charlie, swap):
    charlie.is_superuser = True
    charlie.save()
    client.force_login(charlie)
    page = client.get("/admin/swaps/swapjob/").content.decode()
    assert f'src="/swaps/{swap.pk}/thumbnail.webp"' in page and "Hide from the public gallery" in page
    assert client.get(f"/swaps/{swap.pk}/thumbnail.webp").status_code == 200  # staff may see any swap's files
    client.post("/admin/swaps/swapjob/", {"action": "hide_items", "_selected_action": [swap.pk]})
    swap.refresh_from_db()
    assert swap.moderation == "hidden"


def test_non_staff_cannot_open_the_swap_admin(alice_client, swap):
    response = alice_client.get("/admin/swaps/swapjob/")
    assert response.status_code == 302 and "/admin/login/" in response.url
