"""One row per render the worker does for the API, keyed by the render's identity, so
any number of requests for the same face share one job (docs/architecture.md, "A job's life")."""

from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone

from facekit.core.jobs import ACTIVE_CONDITION, Job, JobStatus

from . import cache

# A failed render is tried again by the next request that asks for it, after this pause.
RETRY_FAILED_AFTER = timedelta(seconds=60)


class RenderKind(models.TextChoices):
    FACE = "face", "Face"  # one face (a value, or a blend) at the generator's own size
    FRAMES = "frames", "Morph frames"  # every frame of a morph at the generator's own size
    ANIMATION = "animation", "Morph animation"  # an encoded, labelled morph


class FaceRender(Job):
    task = "faceapi.tasks.render"
    hardware = "gpu"
    task_history = False  # thousands a minute under load; this table is the record

    key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of engine, kind and parameters")
    kind = models.CharField(max_length=10, choices=RenderKind.choices)
    engine = models.CharField(max_length=100, help_text="name@version the worker must render with")
    params = models.JSONField(help_text="seeds as decimal strings, amounts, frames, fps, dim, format")
    url = models.CharField(max_length=2000, blank=True, help_text="the request that asked first")

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["status", "lease_expires_at"], condition=ACTIVE_CONDITION, name="facerender_active")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key[:12]} ({self.status})"

    def get_absolute_url(self):
        return reverse("faceapi-status", args=[self.key])

    @property
    def folder(self):
        return cache.folder(self.engine, self.key)

    @property
    def may_retry(self) -> bool:
        return self.status == JobStatus.FAILED and (self.finished_at is None or timezone.now() - self.finished_at > RETRY_FAILED_AFTER)
