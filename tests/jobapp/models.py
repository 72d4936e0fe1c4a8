"""A demo job type for the queue tests, until avatars and swaps use facekit.core.jobs."""

from datetime import timedelta

from django.db import models

from facekit.core.jobs import ACTIVE_CONDITION, Job


class Chore(Job):
    class Behaviour(models.TextChoices):
        OK = "ok"
        HANG_FIRST = "hang-first"  # the first attempt hangs until the test kills its worker
        CRASH_ALWAYS = "crash-always"  # every attempt kills its own worker
        REFUSE = "refuse"  # the work raises a JobError with a message for the person
        BUG = "bug"  # the work raises an unexpected exception

    task = "tests.jobapp.tasks.run_chore"

    behaviour = models.CharField(max_length=20, choices=Behaviour.choices, default=Behaviour.OK)
    lease_seconds = models.PositiveIntegerField(default=600)
    worker_pid = models.PositiveIntegerField(null=True)
    # How many times the work's effect was written: "done exactly once" means 1.
    effects = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=200, blank=True)

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["status", "lease_expires_at"], condition=ACTIVE_CONDITION, name="chore_active")]

    def lease_for(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)
