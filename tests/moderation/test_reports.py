import re

import pytest
from django.contrib.auth import get_user_model

from avatars.models import Avatar
from moderation.models import Action, Report

pytestmark = pytest.mark.django_db


def people(n):
    return [get_user_model().objects.create_user(f"reporter{i}") for i in range(n)]


def test_a_report_is_filed_in_place_and_the_item_stays_visible(client, bob, public_avatar):
    client.force_login(bob)
    form = client.get(f"/report/avatar/{public_avatar.pk}/", headers={"HX-Request": "true"})
    assert form.content.lstrip().startswith(b'<div id="report-form"')

    response = client.post(
        f"/report/avatar/{public_avatar.pk}/", {"reason": "real_person", "note": "That is my neighbour"}, headers={"HX-Request": "true"}
    )
    assert b"Thank you. A moderator will look at it." in response.content
    report = Report.objects.get()
    assert (report.reporter, report.item, report.state) == (bob, public_avatar, Report.State.OPEN)
    assert Avatar.objects.public().filter(pk=public_avatar.pk).exists()


def test_the_form_offers_the_reasons_alone_none_chosen_each_beside_its_words(client, bob, public_avatar):
    client.force_login(bob)
    html = client.get(f"/report/avatar/{public_avatar.pk}/").content.decode()

    radios = re.findall(r'<input type="radio"[^>]*>', html)
    assert "---------" not in html and 'value=""' not in "".join(radios)
    assert len(radios) == len(Report.Reason.choices) and not any("checked" in radio for radio in radios)
    for value, words in Report.Reason.choices:
        assert re.search(rf'<label[^>]*>\s*<input type="radio" name="reason" value="{value}"[^>]*>\s*<span>{words}</span>\s*</label>', html), words


def test_a_report_without_a_reason_re_renders_with_the_error(client, bob, public_avatar):
    client.force_login(bob)
    response = client.post(f"/report/avatar/{public_avatar.pk}/", {"note": "hm"}, headers={"HX-Request": "true"})
    assert b"This field is required." in response.content
    assert Report.objects.count() == 0


def test_reports_from_enough_different_people_hide_the_item_at_once(client, public_avatar, settings):
    settings.SAFEFACE_REPORTS_TO_HIDE = 3
    reporters = people(3)
    for reporter in reporters[:2]:
        client.force_login(reporter)
        client.post(f"/report/avatar/{public_avatar.pk}/", {"reason": "sexual"})
        client.force_login(reporter)  # the same person twice counts once
        client.post(f"/report/avatar/{public_avatar.pk}/", {"reason": "sexual"})
    assert Avatar.objects.get(pk=public_avatar.pk).moderation == "visible"

    client.force_login(reporters[2])
    client.post(f"/report/avatar/{public_avatar.pk}/", {"reason": "sexual"})

    assert Avatar.objects.get(pk=public_avatar.pk).moderation == "hidden"
    assert not client.get("/gallery/").context["page"].object_list
    action = Action.objects.get()
    assert (action.kind, action.moderator) == (Action.Kind.HIDE, None)
    assert "3 people reported it" in action.reason


def test_nobody_reports_their_own_or_a_private_item(client, alice, bob, public_avatar, make_avatar):
    client.force_login(alice)
    assert client.post(f"/report/avatar/{public_avatar.pk}/", {"reason": "other"}).status_code == 404
    private = make_avatar(alice)
    client.force_login(bob)
    assert client.post(f"/report/avatar/{private.pk}/", {"reason": "other"}).status_code == 404
    assert client.get("/report/nonsense/1/").status_code == 404
    assert Report.objects.count() == 0


def test_reporting_needs_a_login(client, public_avatar):
    assert client.post(f"/report/avatar/{public_avatar.pk}/", {"reason": "other"}).url.startswith("/accounts/login/")


def test_the_avatar_page_offers_reporting_to_others_only(client, alice, bob, public_avatar):
    client.force_login(bob)
    assert b"Report this picture" in client.get(f"/avatars/{public_avatar.pk}/").content
    client.force_login(alice)
    assert b"Report this picture" not in client.get(f"/avatars/{public_avatar.pk}/").content
