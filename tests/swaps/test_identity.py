"""The identity check of every swap: stored by the worker with both judges' readings, told on
the result page in plain words, a stronger swap offered when someone may still be recognised,
counted in /metrics; checks stored with one judge still read and render."""

import pytest

from safeface import inference
from facekit.core.jobs import JobStatus
from facekit.engines.recognition import FaceCheck, IdentityCheck, Judge, Reading
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
    check = swap.identity_check
    assert [judge.name for judge in check.judges] == ["dlib-resnet@1.0", "sface-2021dec-int8@1.0"]
    assert [judge.threshold for judge in check.judges] == [0.6, 0.637]
    assert [(face.face, face.avatar) for face in check.faces] == [(0, first.pk), (1, second.pk)]
    for face in check.faces:
        assert [reading.judge for reading in face.readings] == [judge.name for judge in check.judges]
        assert all(0 < r.to_original < 2 and 0 < r.to_avatar < 2 for r in face.readings)
    assert IdentityCheck.from_json(check.to_json()) == check  # one serialisation, both ways
    assert swap.timings["identity_check"] > 0

    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "Can you still be recognised?" in page
    assert "<code>dlib-resnet@1.0</code> and <code>sface-2021dec-int8@1.0</code>" in page
    for face in check.faces:
        for reading in face.readings:
            assert f"{reading.to_original:.2f}" in page
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
    assert "may still be recognised: every recogniser still matches it to you (dlib-resnet 0.00, limit 0.6; sface-2021dec-int8 0.00" in page
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


DLIB, SFACE = Judge("dlib-resnet@1.0", 0.6, 40), Judge("sface-2021dec-int8@1.0", 0.637, 40)


def reading(judge: Judge, to_original, to_avatar=None, **video) -> Reading:
    return Reading(judge.name, judge.threshold, to_original, to_avatar, **video)


def test_the_words_for_a_photo_when_both_judges_agree_and_when_they_do_not():
    check = IdentityCheck((DLIB, SFACE), (
        FaceCheck((reading(DLIB, 0.74, 0.48), reading(SFACE, 0.81, 0.5)), face=0, avatar=12),
        FaceCheck((reading(DLIB, 0.71, 0.52), reading(SFACE, 0.55, 0.7)), face=2, avatar=12),
        FaceCheck((reading(DLIB, 0.52, 0.7), reading(SFACE, 0.4, 0.8)), face=4, avatar=12),
        FaceCheck((reading(DLIB, None), reading(SFACE, None)), face=3, avatar=12),
    ))
    hidden, disputed, kept, small = verdicts(check)
    assert not hidden.recognised
    assert hidden.text == ("Face 1 no longer matches you to either recogniser (dlib-resnet 0.74, limit 0.6; "
                           "sface-2021dec-int8 0.81, limit 0.637). It looks like avatar 12 to both recognisers.")
    # One judge still matches: the face is not called hidden, and the page names that judge.
    assert disputed.recognised and check.faces[1].disagree
    assert disputed.text == ("Face 3 may still be recognised: sface-2021dec-int8 still matches it to you "
                             "(sface-2021dec-int8 0.55, limit 0.637), though dlib-resnet does not (dlib-resnet 0.71, limit 0.6).")
    assert kept.recognised and kept.text.startswith("Face 5 may still be recognised: every recogniser still matches it")
    assert small.too_small and "too small to judge (under 40 px tall)" in small.text
    assert check.still_recognised() == [1, 2]


def test_the_words_for_a_video_name_the_moments_that_still_match():
    check = IdentityCheck((DLIB, SFACE), (
        FaceCheck((reading(DLIB, 0.52, 0.5, matching=2, worst_seconds=2.5), reading(SFACE, 0.7, 0.5, worst_seconds=1.0)),
                  face=0, avatar=5, first_seconds=0.0, moments=10, matching_moments=(1.0, 2.5), matching_share=0.2),
        FaceCheck((reading(DLIB, 0.8, 0.45, worst_seconds=3.5), reading(SFACE, 0.75, 0.4, worst_seconds=3.5)),
                  avatar=5, first_seconds=3.2, moments=4),
    ), video=True, judged_frames=14)
    kept, hidden = verdicts(IdentityCheck.from_json(check.to_json()))
    assert kept.recognised
    assert kept.text.startswith("Face 1 may still be recognised at 1.0 s, 2.5 s (2 of 10 moments checked): dlib-resnet still "
                                "matches it to you (dlib-resnet 0.52 at 2.5 s, limit 0.6), though sface-2021dec-int8 does not")
    assert not hidden.recognised
    assert hidden.text.startswith("A person who appears at 3.2 s no longer matches you to either recogniser in any of the 4 "
                                  "moments checked")
    assert "looks like avatar 5 to both recognisers" in hidden.text


def test_a_check_stored_with_one_judge_still_reads_and_renders(alice_client, swap):
    swap.identity = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "min_face": 40, "faces": [
        {"face": 0, "avatar": 12, "to_original": 0.74, "to_avatar": 0.48, "too_small": False},
        {"face": 2, "avatar": 12, "to_original": 0.52, "to_avatar": 0.7, "too_small": False, "strong": True},
    ]}
    swap.save()
    check = SwapJob.objects.get(pk=swap.pk).identity_check
    assert [judge.name for judge in check.judges] == ["dlib-resnet@1.0"] and check.still_recognised() == [1] and check.faces[1].strong
    hidden, kept = verdicts(check)
    assert hidden.text == ("Face 1 no longer matches you to the recogniser (dlib-resnet 0.74, limit 0.6). "
                           "It looks like avatar 12 to dlib-resnet.")
    assert kept.text.startswith("Face 3 may still be recognised: the recogniser still matches it to you (dlib-resnet 0.52")
    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "A face recogniser still matched" in page and "<code>dlib-resnet@1.0</code>." in page


def test_metrics_count_each_judges_distances_and_their_disagreements(client, settings, swap):
    swap.identity = IdentityCheck((DLIB, SFACE), (
        FaceCheck((reading(DLIB, 0.74), reading(SFACE, 0.55))),
        FaceCheck((reading(DLIB, 0.52), reading(SFACE, 0.5))),
        FaceCheck((reading(DLIB, None), reading(SFACE, None))),
    )).to_json()
    swap.save()
    settings.SAFEFACE_METRICS_TOKEN = "token"
    body = client.get("/metrics", headers={"Authorization": "Bearer token"}).content.decode()
    assert 'safeface_swap_identity_distance_bucket{judge="dlib-resnet@1.0",le="0.6"} 1.0' in body
    assert 'safeface_swap_identity_distance_count{judge="dlib-resnet@1.0"} 2.0' in body
    assert 'safeface_swap_identity_distance_bucket{judge="sface-2021dec-int8@1.0",le="0.6"} 2.0' in body
    assert "safeface_swap_identity_disagreements_total 1.0" in body


def test_a_face_that_took_the_stronger_swap_says_so_and_no_stronger_one_is_offered_again(alice, swap, alice_client):
    swap.identity = {"judge": "dlib-resnet@1.0", "threshold": 0.6, "min_face": 40, "faces": [
        {"face": 0, "avatar": swap.avatar_id, "to_original": 0.55, "to_avatar": 0.5, "too_small": False, "strong": True}]}
    swap.save()
    (verdict,) = verdicts(SwapJob.objects.get(pk=swap.pk).identity_check)
    assert verdict.strong and verdict.text.endswith("swapped again with the stronger setting: the first swap still matched you.")
    page = alice_client.get(f"/swaps/{swap.pk}/").content.decode()
    assert "This result may still be recognised." in page and "Make a stronger swap" not in page
    assert "Try another avatar" in page
