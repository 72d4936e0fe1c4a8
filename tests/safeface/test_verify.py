"""/verify/: what a file carries, and which avatar it came from when the visitor may see it."""

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from avatars.models import Avatar
from avatars.tasks import generate_avatar
from facekit.engines.vocabulary import validate_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    avatar = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=77, size=256)
    generate_avatar(job_id=avatar.pk)
    avatar.refresh_from_db()
    return avatar, avatar.image.read()


def upload(data: bytes, name="picture.png"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_it_recognises_our_avatar_and_links_it_for_its_owner(alice_client, labelled, settings):
    avatar, data = labelled
    response = alice_client.post("/verify/", {"image": upload(data)})
    html = response.content.decode()
    assert "Made by SafeFace" in html
    assert "made entirely by a generative model" in html
    assert f'href="/avatars/{avatar.pk}/"' in html
    assert list(Path(settings.MEDIA_ROOT).rglob("picture*")) == []  # nothing kept


def test_it_lists_the_models_that_made_the_file_with_their_licences(alice_client, labelled):
    avatar, data = labelled
    html = alice_client.post("/verify/", {"image": upload(data)}).content.decode()
    assert f"<code>{avatar.engine}</code>: LicenseRef-NVIDIA-Source-Code-License-NC AND CC-BY-NC-SA-4.0, not for commercial use" in html
    assert ": Apache-2.0, commercial use allowed" in html


def test_someone_else_learns_it_is_ours_but_not_which_private_avatar(client, bob, labelled):
    avatar, data = labelled
    client.force_login(bob)
    html = client.post("/verify/", {"image": upload(data)}).content.decode()
    assert "Made by SafeFace" in html
    assert f'href="/avatars/{avatar.pk}/"' not in html
    assert "(private, or deleted)" in html


def test_a_changed_file_is_reported_as_tampered(client, labelled):
    _, data = labelled
    tampered = bytearray(data)
    middle = len(tampered) // 2
    tampered[middle:middle + 8] = bytes(8)
    html = client.post("/verify/", {"image": upload(bytes(tampered))}).content.decode()
    assert "Changed after SafeFace labelled it" in html or "Labels found" in html
    assert "Made by SafeFace" not in html


def test_a_re_encoded_copy_still_shows_the_watermark(client, labelled):
    avatar, data = labelled
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buffer, format="JPEG", quality=95)
    html = client.post("/verify/", {"image": upload(buffer.getvalue(), "copy.jpg")}).content.decode()
    assert f"found (avatar:{avatar.pk})" in html


def test_a_shared_copy_cropped_and_shrunk_still_shows_the_watermark(client, labelled):
    """What the issue tried: 7 % off every edge, then 75 % of the size, as a JPEG (no C2PA left)."""
    avatar, data = labelled
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    edge = round(picture.width * 0.07)
    copy = picture.crop((edge, edge, picture.width - edge, picture.height - edge))
    copy = copy.resize((round(copy.width * 0.75), round(copy.height * 0.75)), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=80)
    html = client.post("/verify/", {"image": upload(buffer.getvalue(), "copy.jpg")}).content.decode()
    assert f"found (avatar:{avatar.pk})" in html


def test_a_missing_watermark_is_said_to_prove_nothing(client, labelled):
    _, data = labelled
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    buffer = io.BytesIO()
    picture.crop((0, 0, picture.width // 2, picture.height // 2)).save(buffer, format="PNG")  # a quarter is not enough
    html = client.post("/verify/", {"image": upload(buffer.getvalue(), "quarter.png")}).content.decode()
    assert "No SafeFace labels found" in html and "does not prove it is real" in html


def test_a_plain_photo_has_no_labels(client):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)).save(buffer, format="PNG")
    html = client.post("/verify/", {"image": upload(buffer.getvalue())}).content.decode()
    assert "No SafeFace labels found" in html


def test_garbage_is_answered_calmly(client):
    response = client.post("/verify/", {"image": upload(b"not an image at all" * 100, "x.jpg")})
    assert response.status_code == 200
    assert b"it is not a PNG, JPEG or WebP picture, nor an MP4 or QuickTime video" in response.content


def test_an_empty_form_says_what_is_missing(client):
    response = client.post("/verify/", {})
    assert b"This field is required." in response.content


def test_checks_are_rate_limited(client, settings):
    settings.SAFEFACE_VERIFY_RATE = "1/m"
    client.post("/verify/", {"image": upload(b"x")})
    assert client.post("/verify/", {"image": upload(b"x")}).status_code == 429


def test_it_reads_a_swapped_video_s_manifest_tags_and_watermark(alice_client, alice, settings, tmp_path):
    """An MP4 labelled as the worker labels a video swap: C2PA trusted, tags, watermark."""
    from safeface import inference
    from facekit.provenance import FrameMarker, GenerationFacts, Kind, label_video, video_tags
    from samples.clips import clip_frames, write_clip
    from facekit.engines.video.writer import VideoWriter  # noqa: F401  (the writer the pipeline uses)

    facts = GenerationFacts(Kind.SWAP, 4242, engine="mesh@2.0", spec={})
    marker = FrameMarker(facts, 1.0)
    frames = [marker(index / 10, frame) for index, frame in enumerate(clip_frames(320, 240, 25))]
    assert marker.marked == 3  # 0 s, 1 s and 2 s
    # Only the frame at 1 s keeps its mark: the reader finds it only by the period the tags
    # name (the default, 2 s, would look at 0 s and 2 s).
    plain_frames = clip_frames(320, 240, 25)
    frames[0], frames[20] = plain_frames[0], plain_frames[20]
    plain = write_clip(tmp_path / "plain.mp4", frames, fps=10, metadata=video_tags(facts, watermark_seconds=1.0))
    signed = label_video(plain, tmp_path / "signed.mp4", facts=facts, identity=inference.signing_identity())

    response = alice_client.post("/verify/", {"image": upload(signed.read_bytes(), "clip.mp4")})
    html = response.content.decode()
    assert "Made by SafeFace" in html and "valid, signed by SafeFace" in html
    assert "a real picture with generated parts composited in" in html
    assert "found (swap:4242)" in html and "<code>mesh@2.0</code>" in html
    assert "swap:4242 (private, or deleted)" in html  # no such swap here


def test_a_safeface_id_names_its_row_by_the_model_s_report_kind():
    from moderation.models import reportable_models
    from facekit.provenance import Kind

    # The watermark's and the manifest's kinds of stored rows are the Moderated models' own names.
    assert set(reportable_models()) == {kind.value for kind in Kind} - {Kind.FACE.value}
