"""Uploaded targets are deleted a configurable time after their last swap ends; results stay."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_q.models import Schedule

from facekit.core.jobs import JobStatus
from swaps.models import SwapJob, Target
from swaps.tasks import purge_targets
from tests.swaps import samples

pytestmark = pytest.mark.django_db


def target_with_swap(owner, swap_status=JobStatus.DONE, ended_hours_ago=30.0):
    ended = timezone.now() - timedelta(hours=ended_hours_ago)
    target = Target.objects.create(owner=owner, kind="image", status=JobStatus.DONE, finished_at=ended)
    target.file.save("t.jpg", ContentFile(samples.jpeg()), save=False)
    target.preview.save("p.jpg", ContentFile(samples.jpeg()), save=False)
    target.save()
    swap = SwapJob.objects.create(owner=owner, target=target, kind="image", selection="all", mapping=[], status=swap_status,
                                  finished_at=ended if swap_status == JobStatus.DONE else None)
    swap.result.save("r.jpg", ContentFile(samples.jpeg()), save=True)
    Target.objects.filter(pk=target.pk).update(created_at=ended)
    return target, swap


def test_old_uploads_are_deleted_and_results_kept(alice):
    target, swap = target_with_swap(alice, ended_hours_ago=30)
    storage, names = target.file.storage, [target.file.name, target.preview.name]
    assert purge_targets() == 1
    target.refresh_from_db()
    swap.refresh_from_db()
    assert not target.file and not target.preview and target.purged_at is not None
    assert not any(storage.exists(name) for name in names)
    assert swap.result and storage.exists(swap.result.name)


def test_recent_uploads_and_those_with_an_active_swap_stay(alice, settings):
    settings.SAFEFACE_TARGET_RETENTION_HOURS = 24
    recent, _ = target_with_swap(alice, ended_hours_ago=2)
    busy, _ = target_with_swap(alice, swap_status=JobStatus.RUNNING, ended_hours_ago=30)
    assert purge_targets() == 0
    assert Target.objects.filter(purged_at__isnull=True).count() == 2


def test_the_retention_time_is_a_setting(alice, settings):
    target_with_swap(alice, ended_hours_ago=2)
    settings.SAFEFACE_TARGET_RETENTION_HOURS = 1
    assert purge_targets() == 1


def test_a_later_swap_of_the_same_upload_extends_its_life(alice, settings):
    target, _ = target_with_swap(alice, ended_hours_ago=30)
    SwapJob.objects.create(owner=alice, target=target, kind="image", selection="all", mapping=[], status=JobStatus.DONE,
                           finished_at=timezone.now() - timedelta(hours=1))
    assert purge_targets() == 0


def test_the_purge_is_scheduled_after_migrate():
    schedule = Schedule.objects.get(func="swaps.tasks.purge_targets")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.repeats == -1


def test_deleting_the_account_removes_every_swap_file(alice, media):
    from django.core.files.storage import default_storage

    from facekit.core.storage import stored_files

    target_with_swap(alice)
    assert list(stored_files(default_storage, "", hidden=True))
    alice.delete()
    assert list(stored_files(default_storage, "", hidden=True)) == []


def test_work_folders_left_by_killed_workers_are_removed_once_stale(settings, tmp_path):
    import time
    from pathlib import Path

    from swaps import files

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    with files.work_folder() as running:  # a task at work right now
        killed = Path(tmp_path / f"{files.WORK_PREFIX}killed")
        killed.mkdir()
        (killed / "swapped.mp4").write_bytes(b"half a video")
        long_ago = time.time() - settings.Q_CLUSTER["retry"] - 60
        os.utime(killed, (long_ago, long_ago))

        purge_targets()

        assert running.is_dir() and not killed.exists()
    assert not running.exists()
