import pytest
from django_q.brokers import get_broker

from avatars.models import Avatar
from facekit.engines.vocabulary import ATTRIBUTES

pytestmark = pytest.mark.django_db


def compose(**values):
    data = {"count": "1", "seed": ""}
    data.update({key: str(value) for key, value in values.items()})
    return data


def test_it_shows_every_attribute_of_the_vocabulary(alice_client):
    html = alice_client.get("/studio/").content.decode()
    for key, attribute in ATTRIBUTES.items():
        assert f'name="{key}"' in html, key
        assert attribute.label in html
    assert 'type="range"' in html  # sliders
    assert '<circle cx="16" cy="16" r="13" fill="#' in html  # swatches


def test_it_needs_a_login(client):
    assert client.get("/studio/").url == "/accounts/login/?next=/studio/"


def test_generate_creates_queued_avatars_and_enqueues_one_task_each(alice_client, alice, django_capture_on_commit_callbacks):
    broker = get_broker()
    before = broker.queue_size()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/studio/", compose(count=3, skin_tone="monk_07", seed=41, lock_seed="on"))

    assert response.url == "/studio/"
    avatars = list(Avatar.objects.filter(owner=alice).order_by("seed"))
    assert [a.seed for a in avatars] == [41, 42, 43]
    assert {a.status for a in avatars} == {"queued"}
    assert avatars[0].spec["skin_tone"] == "monk_07" and avatars[0].spec["expression"] == "any"
    assert broker.queue_size() == before + 3


def test_the_composer_stays_as_it_was_left(alice_client):
    alice_client.post("/studio/", compose(count=2, glasses="round", seed=5, lock_seed="on"))
    form = alice_client.get("/studio/").context["form"]
    assert form.initial["glasses"] == "round" and form.initial["seed"] == 5 and form.initial["count"] == 2


def test_a_slider_posts_a_position(alice_client, alice):
    alice_client.post("/studio/", compose(age=2))
    assert Avatar.objects.get(owner=alice).spec["age"] == "adult"


def test_an_unknown_value_is_a_form_error_and_stores_nothing(alice_client):
    response = alice_client.post("/studio/", compose(skin_tone="purple"))
    assert response.status_code == 200
    assert response.context["form"].errors["skin_tone"]
    assert b"Select a valid choice. purple is not one of the available choices." in response.content
    assert Avatar.objects.count() == 0


def test_a_bad_seed_is_a_form_error(alice_client):
    response = alice_client.post("/studio/", compose(seed=-1))
    assert b"Ensure this value is greater than or equal to 0." in response.content
    assert Avatar.objects.count() == 0


def test_randomise_picks_a_seed_without_generating(alice_client):
    response = alice_client.post("/studio/", {**compose(), "randomise": "1"})
    assert response.status_code == 200
    assert response.context["form"].data["seed"].isdigit()
    assert Avatar.objects.count() == 0


def test_the_live_summary_says_what_the_engine_follows(alice_client):
    response = alice_client.post(
        "/studio/summary/", compose(head_pose="left", head_covering="turban"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="spec-summary"')
    assert "Turned left" in html and "Turban" in html
    # The offline engine turns heads but cannot draw a turban.
    turban_line = next(line for line in html.splitlines() if "Turban" in line)
    pose_line = next(line for line in html.splitlines() if "Turned left" in line)
    assert "not followed" in turban_line and "not followed" not in pose_line


def test_the_daily_quota_is_enforced_with_a_friendly_message(alice_client, settings):
    settings.SAFEFACE_DAILY_AVATARS = 3
    alice_client.post("/studio/", compose(count=2))
    response = alice_client.post("/studio/", compose(count=2), follow=True)
    assert b"You reached today&#x27;s limit of 3 avatars (1 left)" in response.content
    assert Avatar.objects.count() == 2


def test_the_rate_limit_is_enforced_with_a_friendly_message(alice_client, settings):
    settings.SAFEFACE_GENERATE_RATE = "2/m"
    for _ in range(2):
        alice_client.post("/studio/", compose())
    response = alice_client.post("/studio/", compose(), follow=True)
    assert b"You are generating very fast" in response.content
    assert Avatar.objects.count() == 2


def test_change_one_attribute_starts_from_an_avatar_with_its_seed(alice_client, alice, make_avatar):
    avatar = make_avatar(alice, spec={"hair_colour": "red"}, seed=99, used_seed=1234)
    form = alice_client.get(f"/studio/?from={avatar.pk}").context["form"]
    assert form.initial["hair_colour"] == "red"
    assert form.initial["seed"] == 1234 and form.initial["lock_seed"] is True


def test_more_like_this_makes_four_of_the_same_person_with_another_expression_or_pose(alice_client, alice, make_avatar):
    avatar = make_avatar(alice, spec={"hair_colour": "red", "expression": "broad_smile"}, seed=99, used_seed=1234)
    response = alice_client.post(f"/avatars/{avatar.pk}/more/")
    assert response.url == "/studio/"
    children = Avatar.objects.filter(parent=avatar)
    assert {c.seed for c in children} == {1234}  # the seed that drew this person
    changes = {(key, c.spec[key]) for c in children for key in c.spec if c.spec[key] != avatar.spec.get(key)}
    assert changes == {("expression", "neutral"), ("head_pose", "slightly_left"), ("head_pose", "slightly_right"),
                       ("lighting", "dark")}
    assert {c.spec["hair_colour"] for c in children} == {"red"}


def test_more_like_this_draws_new_seeds_where_the_engine_cannot_keep_a_person(alice_client, alice, make_avatar, settings):
    settings.SAFEFACE_GENERATOR = "dcgan"
    avatar = make_avatar(alice, spec={"hair_colour": "red"})
    alice_client.post(f"/avatars/{avatar.pk}/more/")
    children = Avatar.objects.filter(parent=avatar)
    assert children.count() == 4
    assert {c.spec["hair_colour"] for c in children} == {"red"}
    assert avatar.seed not in {c.seed for c in children}


def test_the_age_control_says_when_the_engine_can_draw_children(alice_client, settings):
    assert "some of its faces are children" in alice_client.get("/studio/").content.decode()
    settings.SAFEFACE_GENERATOR = "dcgan"
    assert "Generated faces are always adults." in alice_client.get("/studio/").content.decode()
