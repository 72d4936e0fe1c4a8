"""CachedFaceMiddleware: a cached face is answered before the rest of the middleware stack,
with the view's own answer; anything else goes on to the view."""

import pytest

pytestmark = pytest.mark.django_db

# Set on every response that passes XFrameOptionsMiddleware, which comes after ours.
LATER_HEADER = "X-Frame-Options"


def test_a_cached_face_is_answered_early_with_the_view_s_headers(fetch, client):
    first = fetch("/api/face?value=early&dim=64")  # drawn, then labelled by the view
    assert LATER_HEADER in first

    again = client.get("/api/face?value=early&dim=64")

    assert again.status_code == 200 and LATER_HEADER not in again
    assert again.content == first.content and again["ETag"] == first["ETag"]
    for header in ("Content-Type", "Cache-Control", "Content-Disposition", "X-Content-Type-Options", "Access-Control-Allow-Origin"):
        assert again[header] == first[header]
    assert again["Content-Length"] == str(len(first.content))
    assert again["Referrer-Policy"] == first["Referrer-Policy"]  # SecurityMiddleware comes before ours


def test_it_answers_304_and_head_as_the_view_does(fetch, client):
    first = fetch("/api/face?value=early&dim=64")

    unchanged = client.get("/api/face?value=early&dim=64", headers={"If-None-Match": first["ETag"]})
    head = client.head("/api/face?value=early&dim=64")

    assert unchanged.status_code == 304 and unchanged["ETag"] == first["ETag"] and LATER_HEADER not in unchanged
    assert head.status_code == 200 and head["ETag"] == first["ETag"] and LATER_HEADER not in head


def test_early_answers_count_against_the_rate_limit(fetch, client, settings):
    fetch("/api/face?value=early&dim=64")
    settings.SAFEFACE_API_RATE = "2/m"

    answers = [client.get("/api/face?value=early&dim=64") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "at most 2/m" in answers[2].json()["error"]


def test_a_face_not_cached_a_bad_parameter_or_a_post_go_on_to_the_view(fetch, client):
    fetch("/api/face?value=early&dim=64")

    other_size = client.get("/api/face?value=early&dim=65")  # master cached, this file not yet: the view labels it
    missing = client.get("/api/face?value=not-drawn")
    bad = client.get("/api/face?value=early&dim=5000")
    post = client.post("/api/face?value=early&dim=64")

    assert other_size.status_code == 200 and LATER_HEADER in other_size
    assert missing.status_code == 202 and LATER_HEADER in missing
    assert bad.status_code == 400 and bad.json()["parameter"] == "dim"
    assert post.status_code == 405


def test_checkface_s_face_url_is_answered_early_too_blends_included(fetch, client):
    url = "/api/face/?num_multi=2&value0=a&amount0=0.5&value1=b&amount1=0.5&dim=64"
    first = fetch(url)
    ours = client.get("/api/face?value0=a&amount0=0.5&value1=b&amount1=0.5&dim=64&format=jpg")

    again = client.get(url)

    assert again.status_code == 200 and LATER_HEADER not in again
    assert again.content == first.content == ours.content
