import pytest

from avatars.models import Avatar
from moderation.models import Action, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(bob, public_avatar):
    Report.file(bob, public_avatar, "violent", "gross")
    return public_avatar


@pytest.mark.parametrize("url", ["/admin/", "/admin/moderation/report/queue/", "/admin/moderation/report/", "/admin/avatars/avatar/", "/admin/moderation/action/"])
def test_non_staff_get_the_login_page_never_data(client, alice, reported, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_the_queue_lists_open_reports_oldest_first_with_the_item(client, moderator, reported, charlie, make_avatar, alice):
    newer = make_avatar(alice, is_public=True)
    Report.file(charlie, newer, "other")
    client.force_login(moderator)
    html = client.get("/admin/moderation/report/queue/").content.decode()
    assert html.index(f"Avatar {reported.pk} ") < html.index(f"Avatar {newer.pk} ")
    assert f"/avatars/{reported.pk}/thumbnail.webp" in html
    assert "gross" in html


def test_deciding_from_the_queue_hides_and_records_who_and_why(client, moderator, reported):
    client.force_login(moderator)
    response = client.post(f"/admin/moderation/report/queue/avatar/{reported.pk}/hide/", {"reason": "Gore"})
    assert response.url == "/admin/moderation/report/queue/"
    assert Avatar.objects.get(pk=reported.pk).moderation == "hidden"
    assert Report.objects.get().state == Report.State.ACTIONED
    action = Action.objects.get()
    assert (action.kind, action.moderator, action.reason) == (Action.Kind.HIDE, moderator, "Gore")
    history = client.get(f"/admin/avatars/avatar/{reported.pk}/change/").content.decode()
    assert "Hidden by dana: Gore" in history


def test_bulk_actions_hide_restore_and_dismiss(client, moderator, reported, alice, make_avatar):
    other = make_avatar(alice, is_public=True)
    client.force_login(moderator)
    client.post("/admin/avatars/avatar/", {"action": "hide_items", "_selected_action": [reported.pk, other.pk]})
    assert set(Avatar.objects.values_list("moderation", flat=True)) == {"hidden"}
    client.post("/admin/avatars/avatar/", {"action": "restore_items", "_selected_action": [reported.pk]})
    assert Avatar.objects.get(pk=reported.pk).moderation == "visible"
    assert [a.kind for a in Action.objects.order_by("created_at")] == ["hide", "hide", "restore"]


def test_bulk_delete_is_recorded_and_removes_files(client, moderator, reported):
    client.force_login(moderator)
    client.post("/admin/avatars/avatar/", {"action": "delete_items", "_selected_action": [reported.pk]})
    assert not Avatar.objects.filter(pk=reported.pk).exists()
    assert Action.objects.get().kind == Action.Kind.DELETE


def test_banning_a_user_deactivates_them_and_hides_all_their_public_items(client, moderator, alice, reported, make_avatar):
    second = make_avatar(alice, is_public=True)
    client.force_login(moderator)
    client.post("/admin/auth/user/", {"action": "ban_users", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert not alice.is_active
    assert set(Avatar.objects.filter(pk__in=[reported.pk, second.pk]).values_list("moderation", flat=True)) == {"hidden"}
    assert Action.objects.filter(kind=Action.Kind.BAN).count() == 1


def test_lists_filter_by_reports_and_show_thumbnails(client, moderator, reported, alice, make_avatar):
    make_avatar(alice, is_public=True)
    client.force_login(moderator)
    response = client.get("/admin/avatars/avatar/?reported=open")
    assert [a.pk for a in response.context["cl"].result_list] == [reported.pk]
    assert f"/avatars/{reported.pk}/thumbnail.webp" in response.content.decode()
