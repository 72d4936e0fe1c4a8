"""Avatars: faces that SafeFace generated, the only identities a swap may use."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from django.db.models import Q

from moderation.models import PUBLIC, Moderated, ModeratedQuerySet
from safeface import inference
from facekit.engines.generation import variations
from facekit.engines.vocabulary import describe
from facekit.core.fields import MAX_SEED, SeedField
from facekit.core.jobs import ACTIVE_CONDITION, Job, JobStatus



def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


class AvatarQuerySet(ModeratedQuerySet):
    def usable_as_source_by(self, user):
        """The avatars `user` may swap in: their own finished ones and the public gallery's
        (so a deleted, hidden or no-longer-public avatar is refused, even by a queued swap)."""
        mine = Q(owner=user, status=JobStatus.DONE) if user.is_authenticated else Q(pk__in=[])
        return self.filter(mine | PUBLIC).exclude(image="")

    def over_daily_quota(self, user, count: int) -> str | None:
        """Why `user` may not start `count` more avatars today (SAFEFACE_DAILY_AVATARS in any
        24 hours), or None."""
        made = self.owned_by(user).filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
        quota = settings.SAFEFACE_DAILY_AVATARS
        if made + count <= quota:
            return None
        return f"You reached today's limit of {quota} avatars ({max(quota - made, 0)} left). It resets 24 hours after each one."

    def start_batch(self, owner, spec: dict, count: int, size: int, *, first_seed: int | None = None, parent=None):
        """Queue `count` avatars of one spec: seeds `first_seed`, `first_seed` + 1, ... (wrapping
        at 2**64), or random ones; each task is sent once the rows are committed."""
        with transaction.atomic():
            avatars = []
            for n in range(count):
                seed = random_seed() if first_seed is None else (first_seed + n) % (MAX_SEED + 1)
                avatar = self.create(owner=owner, spec=spec, seed=seed, size=size, parent=parent)
                avatar.enqueue()
                avatars.append(avatar)
        return avatars

    def with_attribute(self, key: str, value: str):
        return self.filter(**{f"spec__{key}": value})


class Avatar(Moderated, Job):
    task = "avatars.tasks.generate_avatar"
    file_fields = ("image", "thumbnail")
    hardware = "gpu"
    report_kind = "avatar"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="avatars")
    spec = models.JSONField(help_text="the validated attribute spec (facekit/engines/vocabulary.py)")
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

    def checked_image(self) -> bytes:
        """The picture's bytes, as a swap source must be: exactly what was generated (its
        checksum), else DamagedAvatar."""
        with self.image.open("rb") as stored:
            data = stored.read()
        if self.sha256 and hashlib.sha256(data).hexdigest() != self.sha256:
            raise DamagedAvatar(f"Avatar {self.pk}'s picture is damaged on the server. Pick another avatar.")
        return data

    def more_like_this(self, owner, count: int = 4) -> list["Avatar"]:
        """Queue `count` more for `owner`: where the engine keeps one person across changes of
        expression, pose and light, this person (its seed) with each of those changed; else
        this spec with new seeds."""
        if not inference.varies_one_person():
            return Avatar.objects.start_batch(owner, self.spec, count, self.size, parent=self)
        seed = self.used_seed if self.used_seed is not None else self.seed
        with transaction.atomic():
            avatars = [Avatar.objects.create(owner=owner, spec=spec, seed=seed, size=self.size, parent=self)
                       for spec in variations(self.spec, count)]
            for avatar in avatars:
                avatar.enqueue()
        return avatars


class DamagedAvatar(ValueError):
    """An avatar's stored picture is not the one generated (its checksum differs)."""
