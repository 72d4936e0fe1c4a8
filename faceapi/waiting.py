"""Requests waiting for their renders: one SELECT per process per tick, however many wait.

A web process may hold dozens of requests waiting for the worker (SAFEFACE_API_WAIT); each
reading its own row every tick would spend the database and the CPU the renders need
(bench/load_api.py --checkface shows it). Here the waiting threads take turns: each tick, whichever thread comes first reads
the status of every waited row in one query and wakes those whose row has finished; the
others sleep until woken or until the next tick.

No thread of its own: the query runs on a waiting request's thread and connection, so it
sees what that request sees (a test's transaction too), and nothing runs when nobody waits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from facekit.core.jobs import ACTIVE_STATES, Job, JobStatus

TICK_SECONDS = 0.05
FIELDS = ("status", "error", "progress")


@dataclass
class _Waiter:
    woken: threading.Event = field(default_factory=threading.Event)
    row: dict | None = None  # the FIELDS as last read


class Waiting:
    """The waiting requests of one process for one job model."""

    def __init__(self, model: type[Job]):
        self.model = model
        self._lock = threading.Lock()  # guards _waiters and _read_at
        self._reading = threading.Lock()  # held by the thread reading for everyone
        self._waiters: dict[int, list[_Waiter]] = {}
        self._read_at = 0.0

    def wait(self, job: Job, deadline: float) -> None:
        """Return once `job` has finished or at `deadline` (time.monotonic()), with its FIELDS
        as last read."""
        me = _Waiter()
        with self._lock:
            self._waiters.setdefault(job.pk, []).append(me)
        try:
            while True:
                if me.row is not None:
                    for name in FIELDS:
                        setattr(job, name, me.row[name])
                if job.is_finished or time.monotonic() >= deadline:
                    return
                self._read_if_due()
                if me.row is None or me.row["status"] in ACTIVE_STATES:
                    me.woken.wait(max(0.0, min(TICK_SECONDS, deadline - time.monotonic())))
                    me.woken.clear()
        finally:
            with self._lock:
                mine = self._waiters[job.pk]
                mine.remove(me)
                if not mine:
                    del self._waiters[job.pk]

    def _read_if_due(self) -> None:
        if not self._reading.acquire(blocking=False):
            return  # another thread is reading for us
        try:
            with self._lock:
                if time.monotonic() - self._read_at < TICK_SECONDS:
                    return
                ids = list(self._waiters)
            rows = {row["pk"]: row for row in self.model._default_manager.filter(pk__in=ids).values("pk", *FIELDS)}
            with self._lock:
                self._read_at = time.monotonic()
                for pk in ids:  # not those that came to wait since: their rows were not read
                    # A row deleted meanwhile (the cache cleared) reads as failed to its waiters.
                    row = rows.get(pk, {"status": JobStatus.FAILED, "error": "This render was removed.", "progress": 0})
                    for waiter in self._waiters.get(pk, ()):
                        waiter.row = row
                        if row["status"] not in ACTIVE_STATES:
                            waiter.woken.set()
        finally:
            self._reading.release()
