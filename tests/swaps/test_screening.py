"""Uploads showing sexual content are refused on the worker, before anything is done with them:
a clear message, nothing kept, counted in /metrics. The detector here is a stand-in with NudeNet's
inputs and outputs that "finds" sexual content in red pictures (samples/screening.py), loaded by
the real loading code (SAFEFACE_SCREENER_MODEL)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safeface import inference
from facekit.core.jobs import JobStatus
from samples.clips import clip_frames, write_clip
from samples.screening import red, red_detector
from swaps.models import Target
from swaps.tasks import REFUSED, analyse_target
from tests.swaps import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand_in(settings, tmp_path):
    settings.SAFEFACE_SCREENER_MODEL = str(red_detector(tmp_path / "red.onnx"))
    inference.screening.cache_clear()
    yield
    inference.screening.cache_clear()


def analysed(client, avatar, name, data, content_type) -> Target:
    response = client.post("/swaps/new/", {"avatar": avatar.pk, "target": SimpleUploadedFile(name, data, content_type)})
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.latest("pk")
    analyse_target(job_id=target.pk)
    target.refresh_from_db()
    return target


def jpeg(rgb) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_photo_with_sexual_content_is_refused_kept_nowhere_and_counted(
    stand_in, alice_client, alices_avatar, no_queue, stored_files, client, charlie
):
    target = analysed(alice_client, alices_avatar, "beach.jpg", jpeg(red()), "image/jpeg")

    assert target.status == JobStatus.FAILED and target.error == REFUSED
    assert not target.file and not target.preview and target.faces == []
    assert target.screening["refused"] and target.screening["screener"].endswith("+red")
    assert [f for f in stored_files() if "/avatars/" not in f] == []  # nothing of it kept
    page = alice_client.get(target.get_absolute_url()).content.decode()
    assert "looks like sexual content" in page and "Nothing of it was kept" in page
    client.force_login(charlie)
    assert 'safeface_uploads_refused_total{kind="image"} 1.0' in client.get("/metrics").content.decode()


def test_a_video_is_refused_when_over_a_tenth_of_its_sampled_seconds_are(stand_in, alice_client, alices_avatar, no_queue, tmp_path):
    frames = clip_frames(320, 240, 30)  # 3 s at 10 fps, sampled at 0, 1 and 2 s
    frames[10:12] = [red(), red()]  # the frame at 1 s
    clip = write_clip(tmp_path / "clip.mp4", frames, fps=10)
    target = analysed(alice_client, alices_avatar, "clip.mp4", clip.read_bytes(), "video/mp4")
    assert target.status == JobStatus.FAILED and target.error == REFUSED and not target.file
    assert (target.screening["frames"], target.screening["flagged"]) == (3, 1)


def test_an_ordinary_upload_is_screened_and_goes_on(stand_in, alice_client, alices_avatar, no_queue):
    target = analysed(alice_client, alices_avatar, "t1.jpg", samples.T1.read_bytes(), "image/jpeg")
    assert target.status == JobStatus.DONE and target.faces
    assert target.screening == {"screener": target.screening["screener"], "refused": False, "frames": 1, "flagged": 0,
                                "worst": 0.0}


@pytest.fixture
def flags_everything(settings, tmp_path):
    """From now on the screener takes every picture for sexual content."""

    def switch():
        settings.SAFEFACE_SCREENER_MODEL = str(red_detector(tmp_path / "everything.onnx", everything=True))
        inference.screening.cache_clear()

    yield switch
    inference.screening.cache_clear()


def test_an_avatar_the_screening_flags_is_neither_kept_nor_shown(flags_everything, alice, stored_files):
    from avatars.models import Avatar
    from avatars.tasks import AVATAR_REFUSED, generate_avatar
    from facekit.engines.vocabulary import validate_spec

    flags_everything()
    # The offline DCGAN draws face crops and nothing else: its avatars are not screened.
    spared = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=5, size=256)
    generate_avatar(job_id=spared.pk)
    spared.refresh_from_db()
    assert spared.status == JobStatus.DONE
    # A generator that can draw anything (a text-to-image model) is screened: here the same
    # DCGAN, said to be one.
    generator = inference.generator()
    generator.draws_anything = True
    try:
        avatar = Avatar.objects.create(owner=alice, spec=validate_spec({}), seed=6, size=256)
        generate_avatar(job_id=avatar.pk)
    finally:
        generator.draws_anything = False
    avatar.refresh_from_db()
    assert avatar.status == JobStatus.FAILED and avatar.error == AVATAR_REFUSED and not avatar.image
    assert sorted(name for name in stored_files() if f"/{avatar.pk}." in name) == []


def test_a_swap_result_the_screening_flags_is_not_stored(flags_everything, alice_client, generated, no_queue, tmp_path):
    from swaps.models import SwapJob
    from swaps.tasks import RESULT_REFUSED, run_swap

    photo = analysed(alice_client, generated[0], "t1.jpg", samples.T1.read_bytes(), "image/jpeg")
    clip = analysed(alice_client, generated[0], "clip.mp4",
                    samples.clip(tmp_path / "clip.mp4", seconds=1.0, fps=10, width=320, height=240).read_bytes(), "video/mp4")
    flags_everything()
    for target, choice in ((photo, {"which": "largest"}), (clip, {"which": "all"})):
        assert alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": generated[0].pk, **choice}).status_code == 302
        swap = SwapJob.objects.latest("pk")
        run_swap(job_id=swap.pk)
        swap.refresh_from_db()
        assert swap.status == JobStatus.FAILED and swap.error == RESULT_REFUSED and not swap.result
