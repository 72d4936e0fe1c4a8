from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django_q.brokers import get_broker

from facekit.core import jobs
from facekit.core.jobs import JobStatus
from tests.jobapp.models import Chore

pytestmark = pytest.mark.django_db


def test_it_claims_a_queued_row_once():
    chore = Chore.objects.create()
    other_delivery = Chore.objects.get(pk=chore.pk)

    assert chore.claim()
    assert not other_delivery.claim()
    chore.refresh_from_db()
    assert chore.status == JobStatus.RUNNING
    assert chore.attempts == 1
    assert chore.lease_expires_at > timezone.now()


def test_it_does_not_claim_a_finished_row():
    chore = Chore.objects.create()
    chore.claim()
    chore.succeed()
    assert not Chore.objects.get(pk=chore.pk).claim()


def test_it_ends_a_row_done_with_its_fields():
    chore = Chore.objects.create()
    chore.claim()
    assert chore.succeed(result="out.txt")
    chore.refresh_from_db()
    assert (chore.status, chore.progress, chore.result) == (JobStatus.DONE, 100, "out.txt")
    assert chore.lease_expires_at is None and chore.finished_at


def test_it_ends_a_row_failed_with_a_message():
    chore = Chore.objects.create()
    chore.claim()
    assert chore.fail("The upload has no face in it.")
    chore.refresh_from_db()
    assert chore.status == JobStatus.FAILED
    assert chore.error == "The upload has no face in it."


def test_an_attempt_that_was_reaped_cannot_write_its_result():
    chore = Chore.objects.create(lease_seconds=1)
    chore.claim()
    stale_attempt = Chore.objects.get(pk=chore.pk)
    jobs.reap(now=timezone.now() + timedelta(seconds=5))
    Chore.objects.get(pk=chore.pk).claim()  # the re-delivered attempt

    assert not stale_attempt.succeed(result="stale")
    assert not stale_attempt.set_progress(50)
    assert Chore.objects.get(pk=chore.pk).result == ""


def test_a_row_ends_done_with_its_stored_files(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    chore = Chore.objects.create()
    chore.claim()

    assert chore.store_and_succeed(storage, {"result": ("chores/1.txt", b"made")}, effects=1)
    chore.refresh_from_db()
    assert (chore.status, chore.result, chore.effects) == (JobStatus.DONE, "chores/1.txt", 1)
    assert (tmp_path / "chores" / "1.txt").read_bytes() == b"made"


def test_files_that_cannot_all_be_stored_fail_the_row_keeping_none(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    chore = Chore.objects.create()
    chore.claim()

    with pytest.raises(jobs.JobError) as error:
        chore.store_and_succeed(storage, {"result": ("chores/1.txt", b"made"), "thumbnail": ("blocked/1.webp", b"thumb")})
    assert str(error.value) == jobs.STORAGE_FULL
    assert not (tmp_path / "chores" / "1.txt").exists()
    assert Chore.objects.get(pk=chore.pk).status == JobStatus.RUNNING  # job_task fails it with that message


def test_the_files_of_a_row_taken_meanwhile_are_removed(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    chore = Chore.objects.create(lease_seconds=1)
    chore.claim()
    stale_attempt = Chore.objects.get(pk=chore.pk)
    jobs.reap(now=timezone.now() + timedelta(seconds=5))

    assert not stale_attempt.store_and_succeed(storage, {"result": ("chores/1.txt", b"stale")})
    assert not (tmp_path / "chores" / "1.txt").exists()
    assert Chore.objects.get(pk=chore.pk).result == ""


def test_progress_is_clamped_and_extends_the_lease():
    chore = Chore.objects.create(lease_seconds=60)
    chore.claim()
    first_lease = chore.lease_expires_at
    assert chore.set_progress(250)
    assert chore.progress == 100
    assert chore.lease_expires_at >= first_lease


def test_the_reaper_requeues_a_row_whose_lease_expired():
    chore = Chore.objects.create(lease_seconds=1)
    chore.claim()
    broker = get_broker()
    before = broker.queue_size()

    counts = jobs.reap(now=timezone.now() + timedelta(seconds=5))

    chore.refresh_from_db()
    assert counts["requeued"] == 1
    assert chore.status == JobStatus.QUEUED
    assert broker.queue_size() == before + 1


def test_the_reaper_leaves_a_live_lease_alone():
    chore = Chore.objects.create(lease_seconds=600)
    chore.claim()
    assert jobs.reap()["requeued"] == 0
    assert Chore.objects.get(pk=chore.pk).status == JobStatus.RUNNING


def test_the_reaper_fails_a_row_after_the_attempt_limit(settings):
    settings.JOB_MAX_ATTEMPTS = 2
    chore = Chore.objects.create(lease_seconds=1)
    later = timezone.now()
    for _ in range(2):
        chore.claim()
        later += timedelta(seconds=5)
        jobs.reap(now=later)
        chore.refresh_from_db()

    assert chore.status == JobStatus.FAILED
    assert chore.attempts == 2
    assert "stopped 2 times" in chore.error


def test_the_reaper_resends_a_row_whose_message_was_lost(settings):
    chore = Chore.objects.create()
    broker = get_broker()
    before = broker.queue_size()

    counts = jobs.reap(now=timezone.now() + settings.JOB_REQUEUE_AFTER + timedelta(seconds=1))

    assert counts["resent"] == 1
    assert broker.queue_size() == before + 1
    assert Chore.objects.get(pk=chore.pk).status == JobStatus.QUEUED


def test_it_enqueues_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    broker = get_broker()
    before = broker.queue_size()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Chore.objects.create().enqueue()
        assert broker.queue_size() == before
    for callback in callbacks:
        callback()
    assert len(callbacks) == 1
    assert broker.queue_size() == before + 1


def test_a_person_can_retry_a_failed_row(django_capture_on_commit_callbacks):
    chore = Chore.objects.create()
    chore.claim()
    chore.fail("boom")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert chore.retry()
    assert len(callbacks) == 1
    assert (chore.status, chore.attempts, chore.error) == (JobStatus.QUEUED, 0, "")


def test_the_reaper_is_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="safeface.tasks.reap_jobs")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


def test_a_task_fails_its_row_with_the_message_of_a_job_error():
    from tests.jobapp.tasks import run_chore

    chore = Chore.objects.create(behaviour=Chore.Behaviour.REFUSE)
    run_chore(job_id=chore.pk)
    chore.refresh_from_db()
    assert (chore.status, chore.error) == (JobStatus.FAILED, "The chore could not be done.")


def test_a_task_that_hits_a_bug_fails_its_row_without_leaking_details():
    from tests.jobapp.tasks import run_chore

    chore = Chore.objects.create(behaviour=Chore.Behaviour.BUG)
    run_chore(job_id=chore.pk)
    chore.refresh_from_db()
    assert chore.status == JobStatus.FAILED
    assert "went wrong on our side" in chore.error and "a bug" not in chore.error


def test_a_task_leaves_a_row_held_by_another_delivery_alone():
    from tests.jobapp.tasks import run_chore

    chore = Chore.objects.create()
    chore.claim()
    run_chore(job_id=chore.pk)
    chore.refresh_from_db()
    assert (chore.status, chore.attempts, chore.effects) == (JobStatus.RUNNING, 1, 0)
