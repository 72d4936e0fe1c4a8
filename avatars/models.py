"""Avatars: faces that SafeFace generated, the only identities a swap may use."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from safeface.engines.vocabulary import describe
from safeface.fields import SeedField
from safeface.jobs import ACTIVE_CONDITION, Job

MAX_SEED = 2**64 - 1  # seeds are unsigned 64-bit (safeface/fields.py stores them)


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


class Visibility(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by moderation"


class AvatarQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def public(self):
        return self.filter(is_public=True, moderation=Visibility.VISIBLE, status="done")

    def with_attribute(self, key: str, value: str):
        return self.filter(**{f"spec__{key}": value})


class Avatar(Job):
    task = "avatars.tasks.generate_avatar"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="avatars")
    spec = models.JSONField(help_text="the validated attribute spec (safeface/engines/vocabulary.py)")
    seed = SeedField(help_text="the seed asked for")
    used_seed = SeedField(null=True, blank=True, help_text="the seed that passed the quality gate (a retry's is derived by hashing)")
    size = models.PositiveSmallIntegerField(default=512)
    prompt = models.TextField(blank=True)
    engine = models.CharField(max_length=100, blank=True, help_text="name@version of the generator")
    image = models.FileField(upload_to="avatars/", blank=True)
    thumbnail = models.FileField(upload_to="avatars/thumbs/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the image file; a swap re-checks it")
    face = models.JSONField(null=True, blank=True, help_text="box, score, keypoints, landmarks")
    embedding = models.BinaryField(null=True, blank=True, help_text="float32 identity vector, when the analyser gives one")
    is_public = models.BooleanField(default=False)
    moderation = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="variations")

    objects = AvatarQuerySet.as_manager()

    class Meta(Job.Meta):
        indexes = [
            models.Index(fields=["status", "lease_expires_at"], condition=ACTIVE_CONDITION, name="avatar_active"),
            models.Index(fields=["owner", "-created_at"], name="avatar_owner_newest"),
            models.Index(fields=["-created_at"], condition=models.Q(is_public=True), name="avatar_public_newest"),
        ]

    def __str__(self):
        return f"Avatar {self.pk} ({self.status})"

    def get_absolute_url(self):
        return reverse("avatar-detail", args=[self.pk])

    @property
    def title(self) -> str:
        described = [value for _, value in describe(self.spec)[:3]]
        return ", ".join(described) if described else "Any face"

    def describe(self) -> list[tuple[str, str]]:
        return describe(self.spec)

    def can_be_seen_by(self, user) -> bool:
        if user.is_authenticated and (user.pk == self.owner_id or user.is_staff):
            return True
        return self.is_public and self.moderation == Visibility.VISIBLE and self.status == "done"

    def delete_files(self):
        for field in (self.image, self.thumbnail):
            if field:
                field.storage.delete(field.name)
