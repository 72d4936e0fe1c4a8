"""The face picker: all, largest or ticked faces, each with its own avatar; another video frame."""

import pytest

from facekit.core.jobs import JobStatus
from swaps.models import SwapJob, Target

pytestmark = pytest.mark.django_db

FACES = [{"box": [10, 10, 50, 50], "area": 1600}, {"box": [100, 10, 180, 90], "area": 6400}, {"box": [200, 10, 230, 40], "area": 900}]


@pytest.fixture
def target(alice):
    return Target.objects.create(owner=alice, kind="video", status=JobStatus.DONE, faces=FACES, preview_size=[320, 240],
                                 file="swaps/targets/x.mp4", facts={"duration": 10.0, "fps": 25.0})


@pytest.mark.parametrize("which, expected", [("all", [0, 1, 2]), ("largest", [1])])
def test_all_or_the_largest(alice_client, alices_avatar, target, no_queue, which, expected):
    alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": alices_avatar.pk, "which": which})
    swap = SwapJob.objects.get()
    assert [e["face"] for e in swap.mapping] == expected and swap.selection == which and swap.kind == "video"


def test_ticked_faces_each_with_its_avatar(alice_client, alice, alices_avatar, make_avatar, bob, target, no_queue):
    other, public = make_avatar(alice), make_avatar(bob, is_public=True)
    alice_client.post(f"/swaps/targets/{target.pk}/", {
        "avatar": alices_avatar.pk, "which": "chosen", "face_0": "on", "face_2": "on", "avatar_0": other.pk, "avatar_2": public.pk,
    })
    swap = SwapJob.objects.get()
    assert swap.mapping == [{"face": 0, "avatar": other.pk}, {"face": 2, "avatar": public.pk}] and swap.selection == [0, 2]


def test_choosing_ticked_faces_without_ticking_any_is_refused(alice_client, alices_avatar, target, no_queue):
    response = alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": alices_avatar.pk, "which": "chosen"})
    assert b"Tick at least one face" in response.content and not SwapJob.objects.exists()


def test_a_target_still_being_analysed_cannot_be_swapped(alice_client, alices_avatar, target, no_queue):
    Target.objects.filter(pk=target.pk).update(status=JobStatus.RUNNING)
    response = alice_client.post(f"/swaps/targets/{target.pk}/", {"avatar": alices_avatar.pk, "which": "all"})
    assert b"not ready to swap" in response.content and not SwapJob.objects.exists()
    assert b"every 1s" in alice_client.get(f"/swaps/targets/{target.pk}/").content  # the panel polls


def test_another_frame_of_a_video_is_analysed_again(alice_client, target, no_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/swaps/targets/{target.pk}/frame/", {"seconds": "8"})
    target.refresh_from_db()
    assert response.status_code == 302 and target.status == JobStatus.QUEUED and target.frame == 200
    assert no_queue == [("swaps.tasks.analyse_target", target.pk)]
    SwapJob.objects.create(owner=target.owner, target=target, kind="video", selection="all", mapping=[])
    assert alice_client.post(f"/swaps/targets/{target.pk}/frame/", {"seconds": "99"}).status_code == 302  # still queued: refused
    target.refresh_from_db()
    assert target.frame == 200
