"""A live session: the browser's WebRTC offer, claimed by one live worker, which answers and
then swaps the camera's frames until the person stops, the time runs out or the call drops.

The row is the session's record, as a job row is a job's: a live worker claims it with one
conditional UPDATE, keeps a lease on it while it runs, and writes what the page shows (the
answer, the identity state, the speed). Nothing of the camera stream is stored unless the
person records: then the swapped frames and the sound become a swap result (`recordings`)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

# A live worker renews its lease on a session this often, and gives it up after this long.
LEASE_SECONDS = 10
WORKER_GONE = "The live worker stopped answering. Start again."


class Status(models.TextChoices):
    OFFERED = "offered", "waiting for a live worker"
    CONNECTING = "connecting", "connecting"
    LIVE = "live", "live"
    ENDED = "ended", "ended"
    FAILED = "failed", "failed"


ACTIVE = (Status.OFFERED, Status.CONNECTING, Status.LIVE)


class LiveSessionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE)

    def expire(self) -> int:
        """Fail the sessions whose worker's lease ran out (it died, or lost the database), and
        the offers no worker took in time."""
        now = timezone.now()
        lost = Q(status__in=(Status.CONNECTING, Status.LIVE), lease_until__lt=now)
        untaken = Q(status=Status.OFFERED, created_at__lt=now - timedelta(seconds=settings.SAFEFACE_LIVE_OFFER_SECONDS))
        failed = self.filter(lost).update(status=Status.FAILED, error=WORKER_GONE, ended_at=now)
        failed += self.filter(untaken).update(
            status=Status.FAILED, ended_at=now,
            error="No live worker is free (each runs a few sessions at a time). Try again in a minute.")
        return failed

    def claim_next(self, worker: str) -> LiveSession | None:
        """Take the oldest offer for `worker`: one conditional UPDATE per try, so two workers
        never take the same session."""
        for pk in self.filter(status=Status.OFFERED).order_by("created_at").values_list("pk", flat=True)[:5]:
            taken = self.filter(pk=pk, status=Status.OFFERED).update(
                status=Status.CONNECTING, worker=worker, lease_until=timezone.now() + timedelta(seconds=LEASE_SECONDS))
            if taken:
                return self.get(pk=pk)
        return None


class LiveSession(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_sessions")
    avatar = models.ForeignKey("avatars.Avatar", on_delete=models.CASCADE, related_name="live_sessions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFERED)
    offer = models.TextField()
    answer = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    stop_requested = models.BooleanField(default=False)
    record = models.BooleanField(default=False, help_text="the person asked to record: the worker records while it is set")
    state = models.CharField(max_length=32, blank=True)  # facekit.engines.live.LiveState
    stats = models.JSONField(default=dict, blank=True)  # frames, fps, ms per stage, checks
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = LiveSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live session per person at a time, kept by the database itself.
            models.UniqueConstraint(fields=["owner"], condition=Q(status__in=ACTIVE), name="one_live_session_per_person"),
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(status__in=ACTIVE), name="live_active_by_age")]

    def get_absolute_url(self) -> str:
        return reverse("live-session", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def renew(self, **fields) -> bool:
        """The worker's heartbeat: extend the lease and write `fields`; False when the session
        is no longer this worker's to run (the person stopped it, or it expired)."""
        fields["lease_until"] = timezone.now() + timedelta(seconds=LEASE_SECONDS)
        return bool(LiveSession.objects.filter(pk=self.pk, worker=self.worker, status__in=(Status.CONNECTING, Status.LIVE),
                                               stop_requested=False).update(**fields))

    def hold(self) -> None:
        """Extend the lease only, even once the person asked to stop: the worker is still busy
        with this session (saving its recording), and must not be taken for dead meanwhile."""
        LiveSession.objects.filter(pk=self.pk, worker=self.worker, status__in=ACTIVE).update(
            lease_until=timezone.now() + timedelta(seconds=LEASE_SECONDS))

    def end(self, error: str = "") -> None:
        LiveSession.objects.filter(pk=self.pk, status__in=ACTIVE).update(
            status=Status.FAILED if error else Status.ENDED, error=error, ended_at=timezone.now())
