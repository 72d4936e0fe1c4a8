"""Our own rows are the job records; django-q2 only delivers.

A concrete job model (an avatar to generate, a swap to run) subclasses `Job`
and names the task that runs it. The life of a row:

    queued --claim()--> running --succeed()--> done
                           |  \\--fail()-----> failed
                           |
                           +-- lease expires (worker died) --reap()--> queued again,
                               or failed once `attempts` reaches the limit

`claim()` is one conditional UPDATE, so two deliveries of the same task never
both run it, and `attempts` is counted by us: django-q2 counts only attempts
whose result it saved, which a worker killed mid-task never saves.
"""

import contextlib
import functools
import logging
from datetime import timedelta
from typing import Callable, Iterable

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.tasks import async_task

from facekit.core import queues
from facekit.core.files import save_all
from facekit.engines.errors import Cancelled, EngineError  # torch-free

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_STATES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    """Abstract base for every row that a queued task works on.

    Subclasses set `task` to the dotted path of a function taking `job_id`
    (keyword-only), `hardware` to what that task needs ("gpu" sends it to the GPU cluster
    when SAFEFACE_QUEUES=split; facekit/core/queues.py), and may override `lease_for()`
    when some rows need longer.
    """

    task: str = ""
    hardware: str = "cpu"
    file_fields: tuple[str, ...] = ()  # the row's stored files (FileFields), removed with it
    # Whether django-q2 keeps a row per successful delivery (failures it always keeps). Each
    # save also reads back its SAVE_LIMIT newest successes, a cost at face API rates; rows
    # whose own table is the whole record set this False.
    task_history: bool = True

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0 to 100")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        # Subclasses add: models.Index(fields=["status", "lease_expires_at"],
        # condition=ACTIVE_CONDITION, name=...), so reaper queries stay cheap.

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def is_finished(self) -> bool:
        return not self.is_active

    def lease_for(self) -> timedelta:
        """How long one attempt may hold this row before the reaper takes it back."""
        return settings.JOB_LEASE

    # --- enqueueing -----------------------------------------------------------------

    def enqueue(self) -> None:
        """Send this row's task to the broker once the surrounding transaction commits
        (never before the row exists for the worker to read)."""
        model, job_id = type(self), self.pk
        transaction.on_commit(lambda: _send(model, job_id))

    # --- transitions: each one conditional UPDATE ------------------------------------------

    def _transition(self, allowed: Q, **changes) -> bool:
        """Apply `changes` if the row still matches `allowed`; on success self holds them (read
        back only where the database computed them: a row's progress is written often)."""
        changes.setdefault("updated_at", timezone.now())
        updated = type(self)._default_manager.filter(allowed, pk=self.pk).update(**changes)
        if updated:
            computed = [name for name, value in changes.items() if hasattr(value, "resolve_expression")]
            for name, value in changes.items():
                if name not in computed:
                    setattr(self, name, value)
            if computed:
                self.refresh_from_db(fields=computed)
        return bool(updated)

    def claim(self) -> bool:
        """Take a queued row: running, with a lease, one more attempt. False when
        another delivery already holds it or it has finished (tasks are idempotent)."""
        return self._transition(Q(status=JobStatus.QUEUED), **_claiming(timezone.now(), self.lease_for()))

    def _held(self) -> Q:
        # Our attempt number is the lease token: an attempt the reaper gave up on
        # can no longer write over the attempt that replaced it.
        return Q(status=JobStatus.RUNNING, attempts=self.attempts)

    def set_progress(self, percent: float, **fields) -> bool:
        """Record progress (0-100), and `fields` with it, extending the lease; False when
        the row was taken from us (cancelled, deleted or reaped), so the caller should stop."""
        return self._transition(
            self._held(),
            progress=max(0, min(100, int(percent))),
            lease_expires_at=timezone.now() + self.lease_for(),
            **fields,
        )

    def reporter(self, start: float = 0, end: float = 100) -> "Reporter":
        """The progress and cancel signal to hand the engines for work that fills `start`..`end`
        of this row's progress bar."""
        return Reporter(self, start, end)

    def succeed(self, **fields) -> bool:
        """End the row done, saving `fields` (result file names...) in the same UPDATE."""
        return self._transition(
            self._held(),
            status=JobStatus.DONE,
            progress=100,
            lease_expires_at=None,
            finished_at=timezone.now(),
            **fields,
        )

    def store_and_succeed(self, storage, files: dict[str, tuple[str, object]], **fields) -> bool:
        """End the row done with its result files: `files` maps each file field to (name,
        content) and is stored all or none, then the row succeeds with the stored names and
        `fields`. Storage that fails raises JobError(STORAGE_FULL), nothing kept; a row taken
        meanwhile (cancelled, deleted or reaped) gets nothing and its files are removed."""
        try:
            names = save_all(storage, *files.values())
        except OSError as exc:
            logger.exception("Could not store the result of %s %s", type(self).__name__, self.pk)
            raise JobError(STORAGE_FULL) from exc
        done = self.succeed(**dict(zip(files, names)), **fields)
        if not done:  # the files belong to nobody
            for name in names:
                storage.delete(name)
        return done

    def delete_files(self) -> None:
        """Remove the row's stored files (`file_fields`), as when the row is deleted."""
        for name in self.file_fields:
            if field := getattr(self, name):
                field.storage.delete(field.name)

    def fail(self, message: str) -> bool:
        """End the row failed with a message a person can act on."""
        return self._transition(
            self._held(),
            status=JobStatus.FAILED,
            lease_expires_at=None,
            finished_at=timezone.now(),
            error=message,
        )

    def requeue(self, from_states=(JobStatus.DONE, JobStatus.FAILED), **changes) -> bool:
        """Queue a finished row again with a fresh attempt count, saving `changes` in the same
        UPDATE, and send its task; False when it is not in one of `from_states` (still active)."""
        ok = self._transition(
            Q(status__in=from_states),
            status=JobStatus.QUEUED,
            attempts=0,
            error="",
            progress=0,
            finished_at=None,
            **changes,
        )
        if ok:
            self.enqueue()
        return ok

    def retry(self) -> bool:
        """Put a failed row back in the queue (a person asked)."""
        return self.requeue((JobStatus.FAILED,))


class Reporter:
    """Progress and cancel for one job's work, in one object handed to the engines.

    Call it with the work's own percent (0-100) and any fields to save with it; `steps(done,
    total)` is a generator's progress callback; `cancelled` (a cancel signal, engines.types)
    turns true once a write finds the row taken from us (cancelled, deleted or reaped), so
    the work stops at its next check. Writes are as frequent as the engines report; the video
    pipeline reports twice a second, a generator once a step.
    """

    def __init__(self, job: Job, start: float = 0, end: float = 100):
        self.job, self.start, self.end = job, start, end
        self.lost = False

    def __call__(self, percent: float, **fields) -> bool:
        if not self.lost:
            self.lost = not self.job.set_progress(self.start + (self.end - self.start) * percent / 100, **fields)
        return not self.lost

    def steps(self, done: int, total: int) -> None:
        self(100 * done / max(total, 1))

    def cancelled(self) -> bool:
        return self.lost


ACTIVE_CONDITION = Q(status__in=ACTIVE_STATES)


class JobError(Exception):
    """A failure the person can act on; its message is shown to them as is."""


# Every job's result that was made but could not be written (Job.store_and_succeed, the face API's cache).
STORAGE_FULL = ("It was made but could not be stored: the server's storage is full or not writable. "
                "Nothing was kept; please try again later.")


def job_task(model: type[Job]):
    """Make `work(job)` a django-q2 task taking `job_id`: claim the row (or return
    if another delivery holds it), run the work, and fail the row with a clear
    message when the work raises, so no row is left `running` by an exception.

    An engine's own error (engines.errors.EngineError) is already written for the person
    and fails the row as it is; an engine that stopped because the row was taken from us
    (engines.errors.Cancelled, seen through a Reporter) leaves the row to whoever took it."""

    def decorate(work):
        @functools.wraps(work)
        def task(*, job_id: int) -> None:
            job = model._default_manager.filter(pk=job_id).first()
            # A row already taken (by a batch, say) is left without a write: the common case
            # for the face API's deliveries, and on SQLite a write waits for the lock.
            if job is None or job.status != JobStatus.QUEUED or not job.claim():
                return
            try:
                work(job)
            except Exception as exc:
                _fail_for(job, exc)

        return task

    return decorate


def claim_queued(rows: models.QuerySet, limit: int) -> list[Job]:
    """Claim up to `limit` queued rows of `rows`, oldest first, to work on in one batch with
    the row a task already holds. Each is claimed as its own delivery would claim it, so
    that delivery finds it taken and returns, and a killed worker's rows are reaped and sent
    again like any other; the batch's work must end each one (`batch_failures` when it raises)."""
    if limit < 1:
        return []
    manager = rows.model._default_manager
    # One UPDATE for them all. Inside the transaction no other worker can claim them first:
    # PostgreSQL locks the rows (a row another worker is claiming is skipped), SQLite's
    # IMMEDIATE transaction holds the database's write lock.
    with transaction.atomic():
        queued = list(rows.filter(status=JobStatus.QUEUED).order_by("created_at", "pk").select_for_update(skip_locked=True)[:limit])
        if not queued:
            return []
        now = timezone.now()
        manager.filter(pk__in=[job.pk for job in queued]).update(**_claiming(now, max(job.lease_for() for job in queued)))
    return list(manager.filter(pk__in=[job.pk for job in queued]).order_by("created_at", "pk"))


def _claiming(now, lease: timedelta) -> dict:
    """The changes that claim a queued row (Job.claim, claim_queued)."""
    return {
        "status": JobStatus.RUNNING,
        "attempts": F("attempts") + 1,
        "lease_expires_at": now + lease,
        "started_at": now,
        "error": "",
        "progress": 0,
        "updated_at": now,
    }


@contextlib.contextmanager
def batch_failures(jobs: Iterable[Job]):
    """Fail `jobs` (rows claimed with claim_queued) as job_task fails its own row when the
    batch's work raises, then let the error go on to job_task."""
    try:
        yield
    except Exception as exc:
        for job in jobs:
            _fail_for(job, exc)
        raise


def _fail_for(job: Job, exc: Exception) -> None:
    if isinstance(exc, Cancelled):
        return
    if isinstance(exc, (JobError, EngineError)):
        job.fail(str(exc))
        return
    logger.error("%s %s failed", type(job).__name__, job.pk, exc_info=exc)
    job.fail("Something went wrong on our side while doing this. It was logged; please try again.")


QUEUE_DOWN_MESSAGE = "The task queue is not answering right now, so nothing was started. Please try again in a minute."


def queue_available() -> bool:
    """Whether the broker answers; views ask before creating work, so an outage
    refuses new work cleanly instead of leaving rows that wait for a queue."""
    try:
        return bool(get_broker().ping())
    except Exception:
        logger.warning("The task queue's broker does not answer", exc_info=True)
        return False


def start_refusal(*limits: Callable[[], str | None]) -> str | None:
    """Why a person's new work can't start now, or None: the queue is down, else the first
    of `limits` (a quota, a rate limit) that gives a message. Each limit is asked only when
    the ones before let the work through, so a rate limit counts only work that can start."""
    if not queue_available():
        return QUEUE_DOWN_MESSAGE
    return next((message for limit in limits if (message := limit()) is not None), None)


def _send(model: type[Job], job_id: int) -> None:
    """Send a row's task to the cluster for its hardware: the one place tasks are sent."""
    options = {"group": model._meta.label_lower, "save": model.task_history}
    if cluster := queues.cluster_for(model.hardware):
        options["cluster"] = cluster
    try:
        async_task(model.task, job_id=job_id, **options)
    except Exception:
        # The row is committed and stays queued: the reaper sends it again once the
        # broker is back (JOB_REQUEUE_AFTER), so the person's request still stands.
        logger.exception("Could not send %s for job %s; the reaper will send it again", model.task, job_id)


def job_models() -> list[type[Job]]:
    """Every concrete job model of the installed apps."""
    return [m for m in apps.get_models() if issubclass(m, Job) and not m._meta.abstract]


def reap(now=None) -> dict[str, int]:
    """Take back rows whose worker died, and re-send rows whose message was lost.

    - running with an expired lease: queued again and re-sent, or failed once it
      has had `JOB_MAX_ATTEMPTS` attempts;
    - queued and untouched for `JOB_REQUEUE_AFTER`: re-sent (claim() makes a
      duplicate delivery harmless).

    Returns counts, for logs and tests.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    max_attempts = settings.JOB_MAX_ATTEMPTS
    for model in job_models():
        expired = model._default_manager.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
        counts["failed"] += expired.filter(attempts__gte=max_attempts).update(
            status=JobStatus.FAILED,
            lease_expires_at=None,
            finished_at=now,
            updated_at=now,
            error=(
                f"The worker stopped {max_attempts} times while running this job, "
                "so it was given up. Try again, or with a smaller input."
            ),
        )
        for job in expired.filter(attempts__lt=max_attempts):
            if job._transition(
                Q(status=JobStatus.RUNNING, attempts=job.attempts, lease_expires_at__lt=now),
                status=JobStatus.QUEUED,
                lease_expires_at=None,
            ):
                logger.warning("Re-queued %s %s after its lease expired", model.__name__, job.pk)
                _send(model, job.pk)
                counts["requeued"] += 1

        stale = model._default_manager.filter(status=JobStatus.QUEUED, updated_at__lt=now - settings.JOB_REQUEUE_AFTER)
        for job in stale:
            if job._transition(Q(status=JobStatus.QUEUED, updated_at=job.updated_at), updated_at=now):
                _send(model, job.pk)
                counts["resent"] += 1
    return counts
