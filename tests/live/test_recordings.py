"""Recording a live session: the Record switch on the session (the page's button), and a
recording made by the live engines becoming a swap result: stored without a target, queued,
then screened, watermarked, tagged and signed by the job worker, with the identity check made
while recording; the unlabelled file is not kept."""

import json

import av
import pytest

from facekit.core.jobs import JobStatus
from facekit.engines.live import LiveRecording, LiveSwap
from facekit.engines.swapping import prepare_source
from live.models import LiveSession, Status
from live.recordings import save_recording
from safeface import inference
from samples.clips import clip_frames
from swaps import files
from swaps.models import SwapJob
from swaps.tasks import RECORDING_GONE, purge_targets, run_swap

pytestmark = pytest.mark.django_db

FPS = 20


@pytest.fixture
def session(alice, make_avatar, offer):
    return LiveSession.objects.create(owner=alice, avatar=make_avatar(alice), offer=offer, status=Status.LIVE)


def record(client, session, body):
    return client.post(f"/live/sessions/{session.pk}/record", json.dumps(body), content_type="application/json")


def test_the_record_switch_is_turned_on_and_off(alice_client, session):
    on = record(alice_client, session, {"record": True})
    assert on.status_code == 200 and on.json()["record"] is True
    session.refresh_from_db()
    assert session.record
    assert record(alice_client, session, {"record": False}).json()["record"] is False


@pytest.mark.parametrize("body", ["yes", {"record": "yes"}, {}])
def test_a_malformed_record_request_is_refused(alice_client, session, body):
    response = alice_client.post(f"/live/sessions/{session.pk}/record", json.dumps(body) if body != "yes" else body,
                                 content_type="application/json")
    assert response.status_code == 400 and "record" in response.json()["error"]


def test_an_ended_session_cannot_start_recording(alice_client, session):
    LiveSession.objects.filter(pk=session.pk).update(status=Status.ENDED)
    response = record(alice_client, session, {"record": True})
    assert response.status_code == 409 and "ended" in response.json()["error"]


def test_only_the_owner_records(client, bob, session):
    client.force_login(bob)
    assert record(client, session, {"record": True}).status_code == 404


def make_recording(path, avatar_image, *, seconds: float = 2.0) -> object:
    """What a live worker records: the clip's person swapped live, shown frames and sound."""
    from tests.engines.test_live_recording import Clock, sound

    analyser = inference.analyser()
    source = prepare_source(analyser, avatar_image)
    live = LiveSwap(source, inference.swapper(strong=True), analyser, fps=FPS)
    clock = Clock()
    recording = LiveRecording(path, source, judges=inference.judges(), audio=True, pending=1000, clock=clock)
    heard = iter(sound(seconds + 1))
    for index, frame in enumerate(clip_frames(640, 480, round(seconds * FPS))):
        shown = live(frame, index / FPS)
        recording.add_frame(frame, shown.image, shown.faces)
        for _ in range(50 // FPS + (index % 2)):
            recording.add_sound(next(heard))
        clock.now += 1 / FPS
    return recording.finish()


def test_a_recording_becomes_a_labelled_swap_result(alice, alice_client, generated, no_queue, tmp_path, stored_files,
                                                   django_capture_on_commit_callbacks):
    from facekit.provenance import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, Verdict, read_provenance

    avatar = generated[0]
    session = LiveSession.objects.create(owner=alice, avatar=avatar, offer="v=0", status=Status.LIVE)
    report = make_recording(tmp_path / "recording.mp4", files.decode_rgb(avatar.checked_image()))
    with django_capture_on_commit_callbacks(execute=True):
        job = save_recording(session, report, engine="mesh@2.1+strong")

    assert job.status == JobStatus.QUEUED and no_queue == [("swaps.tasks.run_swap", job.pk)]
    assert job.target is None and job.is_live_recording and job.live_session == session and job.recording
    assert job.identity["video"] and job.identity_check.judged_frames >= 3
    assert not job.identity_recognised, job.identity  # judged while recording: the clip's person is hidden
    listed = alice_client.get(session.get_absolute_url()).json()["recordings"]
    assert listed == [{"id": job.pk, "url": job.get_absolute_url(), "status": "queued"}]
    labelling = alice_client.get(job.get_absolute_url()).content.decode()
    assert "Live recording" in labelling and "Your recording is saved; it is labelled as soon as a worker is free" in labelling

    run_swap(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert not job.recording and not any("/swaps/recordings/" in name for name in stored_files())  # labelled: not kept
    assert job.timings["recorded"] == pytest.approx(report.seconds, abs=0.1) and job.timings["labelling"] > 0
    with files.local_path(job.result) as local, av.open(str(local)) as video:
        assert video.streams.video and video.streams.audio
        assert video.metadata["org.safeface.id"] == f"swap:{job.pk}"
        assert sum(1 for _ in video.decode(video=0)) == report.frames
    labels = read_provenance(job.result.read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
    assert labels.c2pa.verdict is Verdict.TRUSTED and labels.trusted_safeface_id == f"swap:{job.pk}"
    assert labels.c2pa.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA and labels.c2pa.ingredients == ()
    assert labels.watermark is not None and labels.watermark.safeface_id == f"swap:{job.pk}"
    assert job.thumbnail

    page = alice_client.get(job.get_absolute_url()).content.decode()
    assert "Live recording" in page and "matches your camera any more" in page and "Recorded live" in page
    assert "Make a stronger swap" not in page
    assert "Live recording" in alice_client.get("/swaps/").content.decode()


def test_a_recording_that_was_never_stored_fails_with_a_reason(alice, session):
    job = SwapJob.objects.create(owner=alice, kind="video", avatar=session.avatar, selection="all",
                                 mapping=[{"face": 0, "avatar": session.avatar.pk}], live_session=session)
    run_swap(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == RECORDING_GONE


def test_a_recording_whose_labelling_failed_is_deleted_at_the_next_purge(alice, session, stored_files):
    from django.core.files.base import ContentFile

    job = SwapJob.objects.create(owner=alice, kind="video", avatar=session.avatar, selection="all", status=JobStatus.FAILED,
                                 mapping=[{"face": 0, "avatar": session.avatar.pk}], live_session=session)
    job.recording.save("1.mp4", ContentFile(b"not labelled"), save=True)
    running = SwapJob.objects.create(owner=alice, kind="video", avatar=session.avatar, selection="all", status=JobStatus.RUNNING,
                                     mapping=[{"face": 0, "avatar": session.avatar.pk}], live_session=session)
    running.recording.save("2.mp4", ContentFile(b"being labelled"), save=True)
    purge_targets()
    job.refresh_from_db()
    assert not job.recording and [name for name in stored_files() if "/recordings/" in name] == [f"/{running.recording.name}"]


def test_no_frame_recorded_saves_nothing(session, tmp_path):
    assert save_recording(session, LiveRecording(tmp_path / "r.mp4", None).finish(), engine="mesh@2.1") is None
    assert not SwapJob.objects.exists()


