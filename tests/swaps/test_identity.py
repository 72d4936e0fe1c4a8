"""The identity check of every swap: stored by the worker, told on the result page in plain
words, a stronger swap offered when someone may still be recognised, and counted in /metrics."""

import pytest

from safeface import inference
from safeface.core.jobs import JobStatus
from swaps.identity import verdicts
from swaps.models import SwapJob
from swaps.tasks import run_swap
from tests.swaps import samples
from tests.engines.swapping_helpers import Unchanged
from tests.swaps.test_tasks import pick, upload

pytestmark = pytest.mark.django_db


def test_a_photo_swap_stores_the_check_of_each_swapped_face_and_the_page_tells_it(alice_client, generated, no_queue):
    first, second = generated
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), first)
    swap = pick(alice_client, target, {"avatar": first.pk, "which": "chosen", "face_0": "on", "face_1": "on", "avatar_1": second.pk})
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.DONE, swap.error
    check = swap.identity
    assert check["judge"] == "dlib-resnet@1.0" and check["threshold"] == 0.6
    assert [(entry["face"], entry["avatar"]) for entry in check["faces"]] == [(0, first.pk), (1, second.pk)]
    assert all(0 < entry["to_original"] < 2 and 0 < entry["to_avatar"] < 2 for entry in check["faces"])
    assert swap.timings["identity_check"] > 0

    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "Can you still be recognised?" in page
    for entry in check["faces"]:
        assert f"{entry['to_original']:.2f}" in page
    # Only the swapped faces are spoken of.
    assert "Face 1 " in page and "Face 2 " in page and "Face 3" not in page


def test_a_swap_that_changes_nothing_is_flagged_and_a_stronger_swap_offered(alice_client, generated, no_queue, monkeypatch):
    first, _ = generated
    monkeypatch.setattr(inference, "swapper", lambda strong=False: Unchanged())
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), first)
    swap = pick(alice_client, target, {"avatar": first.pk, "which": "largest"})
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.DONE, swap.error
    assert swap.identity_recognised

    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "This result may still be recognised." in page
    assert "may still be recognised (0.00" in page
    stronger = f"/swaps/targets/{target.pk}/?avatar={first.pk}&amp;strength=strong"
    assert stronger in page

    picker = alice_client.get(stronger.replace("&amp;", "&")).content.decode()
    assert 'name="strong"' in picker and "checked" in picker.split('name="strong"')[1].split(">")[0]
    again = pick(alice_client, target, {"avatar": first.pk, "which": "largest", "strong": "on"})
    assert again.strong and not SwapJob.objects.get(pk=swap.pk).strong


def test_the_stronger_swap_runs_the_stronger_mesh_swapper(alice_client, generated, no_queue):
    first, _ = generated
    target = upload(alice_client, "t1.jpg", samples.T1.read_bytes(), first)
    swap = pick(alice_client, target, {"avatar": first.pk, "which": "largest", "strong": "on"})
    run_swap(job_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == JobStatus.DONE, swap.error
    assert swap.engine == "mesh@2.1+strong"


def test_someone_else_never_sees_the_check_of_a_public_swap(client, swap):
    swap.identity = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "min_face": 40,
                     "faces": [{"face": 0, "avatar": 1, "to_original": 0.74, "to_avatar": 0.48, "too_small": False}]}
    swap.is_public = True
    swap.save()
    page = client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "0.74" not in page and "Can you still be recognised?" not in page


def test_the_words_for_a_photo():
    check = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "min_face": 40, "faces": [
        {"face": 0, "avatar": 12, "to_original": 0.74, "to_avatar": 0.48, "too_small": False},
        {"face": 2, "avatar": 12, "to_original": 0.52, "to_avatar": 0.7, "too_small": False},
        {"face": 3, "avatar": 12, "to_original": None, "to_avatar": None, "too_small": True},
    ]}
    hidden, kept, small = verdicts(check, video=False)
    assert hidden.text == "Face 1 no longer matches you (0.74; the recogniser's limit is 0.6) and looks like avatar 12 (0.48)."
    assert not hidden.recognised
    assert kept.recognised and kept.text == "Face 3 may still be recognised (0.52, under the recogniser's limit of 0.6)."
    assert small.too_small and "too small to judge (under 40 px tall)" in small.text


def test_the_words_for_a_video_name_the_moments_that_still_match():
    check = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "min_face": 40, "judged_frames": 14, "faces": [
        {"face": 0, "avatar": 5, "samples": 10, "to_original": 0.52, "worst_seconds": 2.5, "still_matching": 0.2,
         "matching_seconds": [1.0, 2.5], "to_avatar": 0.5, "jitter": 0.1, "first_seconds": 0.0, "too_small": False},
        {"face": None, "avatar": 5, "samples": 4, "to_original": 0.8, "worst_seconds": 3.5, "still_matching": 0.0,
         "matching_seconds": [], "to_avatar": 0.45, "jitter": 0.1, "first_seconds": 3.2, "too_small": False},
    ]}
    kept, hidden = verdicts(check, video=True)
    assert kept.recognised
    assert kept.text.startswith("Face 1 may still be recognised at 1.0 s, 2.5 s (2 of 10 moments checked; closest 0.52 at 2.5 s")
    assert not hidden.recognised
    assert hidden.text.startswith("A person who appears at 3.2 s no longer matches you in any of the 4 moments checked")
    assert "looks like avatar 5 (0.45)" in hidden.text


def test_metrics_count_the_distances_to_the_original(client, settings, swap):
    swap.identity = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "faces": [
        {"to_original": 0.74}, {"to_original": 0.52}, {"to_original": None, "too_small": True}]}
    swap.save()
    settings.SAFEFACE_METRICS_TOKEN = "token"
    body = client.get("/metrics", headers={"Authorization": "Bearer token"}).content.decode()
    assert 'safeface_swap_identity_distance_bucket{judge="dlib-resnet@1.0",le="0.6"} 1.0' in body
    assert 'safeface_swap_identity_distance_count{judge="dlib-resnet@1.0"} 2.0' in body


def test_a_face_that_took_the_stronger_swap_says_so_and_no_stronger_one_is_offered_again(alice, swap, alice_client):
    swap.identity = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "min_face": 40, "faces": [
        {"face": 0, "avatar": swap.avatar_id, "to_original": 0.55, "to_avatar": 0.5, "too_small": False, "strong": True}]}
    swap.save()
    (verdict,) = verdicts(swap.identity, video=False)
    assert verdict.strong and verdict.text.endswith("swapped again with the stronger setting: the first swap still matched you.")
    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "This result may still be recognised." in page and "Make a stronger swap" not in page
    assert "Try another avatar" in page
