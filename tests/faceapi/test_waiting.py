"""Requests waiting for renders share one read per tick (faceapi/waiting.py): each is woken
when its own row ends, and none waits past its deadline. Real threads, each on its own
database connection, as the web server's threads are."""

import threading
import time

import pytest
from django.db import connection

from faceapi.models import FaceRender, RenderKind
from faceapi.waiting import TICK_SECONDS, Waiting
from facekit.core.jobs import JobStatus

pytestmark = pytest.mark.django_db(transaction=True)


def rows(n: int) -> list[FaceRender]:
    return [FaceRender.objects.create(key=f"{i:064x}", kind=RenderKind.FACE, engine="e", params={"seed": str(i)}) for i in range(n)]


def waiting_threads(waiting: Waiting, jobs: list[FaceRender], seconds: float):
    """Start one thread per job, each waiting `seconds` at most; returns (threads, results),
    results[i] = (seconds waited, SQL statements that thread ran)."""
    results: list = [None] * len(jobs)

    def wait(i: int) -> None:
        statements = []
        try:
            with connection.execute_wrapper(lambda execute, sql, *a: statements.append(sql) or execute(sql, *a)):
                started = time.monotonic()
                waiting.wait(jobs[i], started + seconds)
                results[i] = (time.monotonic() - started, len(statements))
        finally:
            connection.close()

    threads = [threading.Thread(target=wait, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    return threads, results


def test_many_waiters_share_one_read_per_tick():
    jobs, seconds = rows(8), 0.5
    threads, results = waiting_threads(Waiting(FaceRender), jobs, seconds)
    for thread in threads:
        thread.join()
    waited = [r[0] for r in results]
    reads = sum(r[1] for r in results)
    assert min(waited) >= seconds - 0.01, "each waited until its deadline"
    # One read per tick for all 8, give or take the first and last: polling alone would be 8 a tick.
    assert reads <= seconds / TICK_SECONDS + 3
    assert all(job.status == JobStatus.QUEUED for job in jobs)


def test_a_waiter_is_woken_when_its_row_ends_and_sees_how():
    done, failed, other = rows(3)
    threads, results = waiting_threads(Waiting(FaceRender), [done, failed, other], 5.0)
    time.sleep(0.2)
    FaceRender.objects.filter(pk=done.pk).update(status=JobStatus.DONE, progress=100)
    FaceRender.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, error="The worker broke.")
    threads[0].join(2)
    threads[1].join(2)
    assert not threads[0].is_alive() and not threads[1].is_alive(), "woken well before the deadline"
    assert (done.status, done.progress) == (JobStatus.DONE, 100)
    assert (failed.status, failed.error) == (JobStatus.FAILED, "The worker broke.")
    assert threads[2].is_alive(), "the row still queued keeps its request waiting"
    FaceRender.objects.filter(pk=other.pk).update(status=JobStatus.DONE)
    threads[2].join(2)
    assert other.status == JobStatus.DONE and results[2][0] < 2


def test_a_row_removed_while_waited_for_ends_the_wait_as_failed():
    (job,) = rows(1)
    threads, _ = waiting_threads(Waiting(FaceRender), [job], 5.0)
    time.sleep(0.2)
    FaceRender.objects.filter(pk=job.pk).delete()
    threads[0].join(2)
    assert not threads[0].is_alive()
    assert job.status == JobStatus.FAILED and job.error
