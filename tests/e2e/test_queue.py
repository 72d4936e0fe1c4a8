"""A real django-q2 cluster against the test database, on whichever broker the
settings select (ORM by default, Redis with REDIS_URL)."""

import os
import signal
from pathlib import Path

import pytest
from django.conf import settings

from facekit.core import jobs
from facekit.core.jobs import JobStatus
from tests.e2e.cluster import wait_for
from tests.jobapp.models import Chore

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(cluster_media):
    return cluster_media


def status_of(chore):
    return Chore.objects.get(pk=chore.pk).status


def chore_files(chore):
    folder = Path(settings.MEDIA_ROOT) / "chores"
    return sorted(p.name for p in folder.iterdir() if f"chore-{chore.pk}" in p.name)


def test_a_task_makes_the_round_trip_and_healthz_is_green(client):
    chore = Chore.objects.create()
    chore.enqueue()  # outside an atomic block, on_commit runs at once

    wait_for(lambda: status_of(chore) == JobStatus.DONE, timeout=30)
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["queue"]["round_trip_s"] < 5
    chore.refresh_from_db()
    assert (chore.effects, chore.attempts, chore.progress) == (1, 1, 100)


def test_a_worker_killed_mid_job_is_replaced_and_the_job_ends_done_exactly_once():
    chore = Chore.objects.create(behaviour=Chore.Behaviour.HANG_FIRST, lease_seconds=2)
    chore.enqueue()

    def first_attempt_pid():
        row = Chore.objects.get(pk=chore.pk)
        return row.status == JobStatus.RUNNING and row.worker_pid

    pid = wait_for(first_attempt_pid, timeout=30)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: status_of(chore) in (JobStatus.DONE, JobStatus.FAILED), timeout=60, interval=0.5, on_tick=jobs.reap)

    chore.refresh_from_db()
    assert chore.status == JobStatus.DONE, chore.error
    assert chore.effects == 1
    assert chore.attempts == 2
    assert chore.worker_pid != pid
    assert chore_files(chore) == [f"chore-{chore.pk}.txt"]  # no partial file left


def test_a_job_that_kills_its_worker_every_time_ends_failed_after_the_limit():
    chore = Chore.objects.create(behaviour=Chore.Behaviour.CRASH_ALWAYS, lease_seconds=1)
    chore.enqueue()

    wait_for(lambda: status_of(chore) == JobStatus.FAILED, timeout=90, interval=0.5, on_tick=jobs.reap)

    chore.refresh_from_db()
    assert chore.attempts == settings.JOB_MAX_ATTEMPTS
    assert chore.effects == 0
    assert "stopped" in chore.error
    assert chore_files(chore) == []


def test_a_job_that_fails_says_why():
    chore = Chore.objects.create(behaviour=Chore.Behaviour.REFUSE)
    chore.enqueue()

    wait_for(lambda: status_of(chore) == JobStatus.FAILED, timeout=30)

    assert Chore.objects.get(pk=chore.pk).error == "The chore could not be done."
