"""CheckFace's URL shapes (the retired facemorph.me API) answer from SafeFace's own endpoints:
the same files, cache and labels, CheckFace's defaults, and its lenient numbers."""

import hashlib
import io

import pytest
from PIL import Image

from faceapi.models import FaceRender
from faceapi.params import seed_for

pytestmark = pytest.mark.django_db


def test_a_face_is_the_same_file_as_safeface_s_own_url_for_it_in_jpeg_at_300_px(fetch):
    theirs = fetch("/api/face/?value=octocat")
    ours = fetch("/api/face?value=octocat&dim=300&format=jpg")
    assert theirs.status_code == ours.status_code == 200
    assert theirs["Content-Type"] == "image/jpeg" and theirs.content == ours.content and theirs["ETag"] == ours["ETag"]
    assert Image.open(io.BytesIO(theirs.content)).size == (300, 300)
    assert FaceRender.objects.count() == 1  # one render serves both


def test_numbers_out_of_range_take_checkface_s_defaults_and_webp_is_kept(fetch):
    response = fetch("/api/face/?value=octocat&dim=5000&format=WEBP")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(response.content)).size == (300, 300)


def test_a_seed_names_a_face_directly(fetch):
    seed = seed_for("octocat")
    assert fetch(f"/api/face/?seed={seed}&dim=64").content == fetch("/api/face/?value=octocat&dim=64").content
    assert fetch("/api/face/?seed=12x").json()["parameter"] == "seed"


def test_hashdata_gives_the_seed_the_value_s_sha256_and_the_engine(client):
    body = client.get("/api/hashdata/?value=hello").json()
    assert body["seed"] == seed_for("hello") and body["seed_text"] == str(seed_for("hello"))
    assert body["hash"] == hashlib.sha256(b"hello").hexdigest() and body["engine"].startswith("mobilestylegan-ffhq@")
    assert client.get("/api/hashdata/?seed=42").json()["seed"] == 42
    assert "qlatent" not in body  # no latent a client could use is published


def test_a_gif_is_the_morph_with_checkface_s_frames_and_fps(fetch):
    theirs = fetch("/api/gif/?from_value=a&to_value=b&num_frames=4&dim=64")
    ours = fetch("/api/morph?from=a&to=b&frames=4&fps=16&dim=64&format=gif")
    assert theirs.status_code == 200 and theirs["Content-Type"] == "image/gif" and theirs.content == ours.content
    assert FaceRender.objects.get(kind="animation").params["frames"] == 4


def test_an_mp4_rounds_an_odd_dim_down_and_embed_html_gives_a_page_other_sites_may_frame(fetch, client):
    video = fetch("/api/mp4/?from_seed=1&to_seed=2&num_frames=3&dim=65")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    assert FaceRender.objects.get(kind="animation").params["dim"] == 64

    page = client.get("/api/mp4/?from_seed=1&to_seed=2&num_frames=3&dim=65&embed_html=true")
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert '<video src="/api/mp4/?from_seed=1&amp;to_seed=2&amp;num_frames=3&amp;dim=65"' in html and " loop " in html
    assert "X-Frame-Options" not in page and "frame-ancestors *" in page["Content-Security-Policy"]


def test_checkface_s_status_url_answers(client):
    assert client.get("/status/").status_code == 200
