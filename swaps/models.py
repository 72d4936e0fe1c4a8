"""Swaps: a generated avatar onto a person's own photo or video.

Two job rows, each run on the queue:

- `Target`: an upload that passed `swaps.uploads`, then analysed by a worker (faces
  found on the photo, or on one frame of the video) so the person can pick faces.
  Its files are deleted `SAFEFACE_TARGET_RETENTION_HOURS` after its last swap ends;
  the row stays, so past results still say what they were made from.
- `SwapJob`: one swap of chosen faces of a target, each to an avatar; or a live session's
  recording (no target: the camera's own picture is never stored), which a live worker
  recorded swapped and a job worker labels like any other result.
"""

from dataclasses import replace
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from avatars.models import Avatar
from moderation.models import Moderated, ModeratedQuerySet
from facekit.core.jobs import ACTIVE_CONDITION, ACTIVE_STATES, Job, JobStatus
from facekit.engines.recognition import IdentityCheck
from swaps.identity import verdicts


class Kind(models.TextChoices):
    IMAGE = "image", "Photo"
    VIDEO = "video", "Video"


class TargetQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def due_for_purge(self, now=None):
        """Targets whose files are kept no longer: none of their swaps is active, and the
        last of their own analysis and their swaps ended over the retention time ago."""
        now = now or timezone.now()
        cutoff = now - timedelta(hours=settings.SAFEFACE_TARGET_RETENTION_HOURS)
        return (
            self.exclude(file="")
            .exclude(status__in=ACTIVE_STATES)
            .exclude(swaps__status__in=ACTIVE_STATES)
            .annotate(last_end=Greatest(Coalesce("finished_at", "created_at"), Coalesce(Max("swaps__finished_at"), "created_at")))
            .filter(last_end__lt=cutoff)
        )


class Target(Job):
    task = "swaps.tasks.analyse_target"
    file_fields = ("file", "preview")
    hardware = "cpu"  # finding faces in an upload: the analyser runs well on CPU cores

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swap_targets")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    file = models.FileField(upload_to="swaps/targets/", blank=True, help_text="the checked upload; deleted after retention")
    facts = models.JSONField(default=dict, help_text="probed facts: size, duration, fps, audio...")
    frame = models.PositiveIntegerField(default=0, help_text="the video frame faces are picked on")
    preview = models.FileField(upload_to="swaps/previews/", blank=True, help_text="the picked-on frame, for the face picker")
    preview_size = models.JSONField(null=True, blank=True, help_text="[width, height] of the preview")
    faces = models.JSONField(default=list, help_text="faces found, left to right: {box} in preview pixels, {area}")
    analyser = models.CharField(max_length=100, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True, help_text="when the uploaded files were deleted")
    screening = models.JSONField(
        default=dict, blank=True,
        help_text="the sexual-content screening of the upload: screener, refused, frames scored, flagged, worst score",
    )

    objects = TargetQuerySet.as_manager()

    class Meta(Job.Meta):
        indexes = [
            models.Index(fields=["status", "lease_expires_at"], condition=ACTIVE_CONDITION, name="swaptarget_active"),
        ]

    def __str__(self):
        return f"Target {self.pk} ({self.get_kind_display().lower()}, {self.status})"

    def get_absolute_url(self):
        return reverse("swap-target", args=[self.pk])

    @property
    def is_video(self) -> bool:
        return self.kind == Kind.VIDEO

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None

    def frame_at(self, seconds: float) -> int:
        """The video's frame shown at `seconds`, kept inside the video (0 for a photo)."""
        if not self.is_video:
            return 0
        duration, fps = self.facts.get("duration") or 0, self.facts.get("fps") or 0
        return int(min(max(seconds, 0.0), max(duration - 1 / max(fps, 1), 0)) * fps)

    def reanalyse_at(self, seconds: float) -> bool:
        """Look for faces again on the video's frame at `seconds`; False while the analysis
        still runs."""
        return self.requeue(frame=self.frame_at(seconds))

    def purge(self) -> None:
        """Delete the uploaded file and its preview; keep the row (results refer to it)."""
        self.delete_files()
        type(self).objects.filter(pk=self.pk).update(file="", preview="", purged_at=timezone.now())


class SwapJob(Moderated, Job):
    task = "swaps.tasks.run_swap"
    file_fields = ("result", "thumbnail", "recording")
    hardware = "gpu"
    report_kind = "swap"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swaps")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.CASCADE, related_name="swaps",
                               help_text="the upload swapped; none for a live recording")
    live_session = models.ForeignKey("live.LiveSession", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="recordings", help_text="the live session recorded")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    # The avatar chosen first, shown in lists; a deleted avatar leaves the result as it is.
    avatar = models.ForeignKey(Avatar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Every avatar used; deleting one removes only its link.
    avatars = models.ManyToManyField(Avatar, blank=True, related_name="swaps")
    selection = models.JSONField(help_text='what the person asked for: "all", "largest" or a list of face numbers')
    mapping = models.JSONField(help_text="[{face: index, avatar: id}], one entry per face swapped")
    reference_frame = models.PositiveIntegerField(default=0)
    strong = models.BooleanField(default=False, help_text="the stronger swap: more of the face replaced")
    fps = models.FloatField(null=True, blank=True, help_text="frames a second while swapping a video")
    engine = models.CharField(max_length=100, blank=True, help_text="name@version of the swapper")
    result = models.FileField(upload_to="swaps/results/", blank=True)
    recording = models.FileField(upload_to="swaps/recordings/", blank=True,
                                 help_text="a live recording before labelling; deleted once labelled")
    thumbnail = models.FileField(upload_to="swaps/thumbs/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    timings = models.JSONField(default=dict, help_text="seconds: queued, swapping, labelling, total")
    identity = models.JSONField(
        default=dict, blank=True,
        help_text="the identity check: per swapped face, the judge's distance to the upload's face and to the avatar",
    )
    cancelled = models.BooleanField(default=False)

    objects = ModeratedQuerySet.as_manager()

    class Meta(Job.Meta):
        indexes = [
            models.Index(fields=["status", "lease_expires_at"], condition=ACTIVE_CONDITION, name="swapjob_active"),
            models.Index(fields=["owner", "-created_at"], name="swapjob_owner_newest"),
        ]

    def __str__(self):
        return f"Swap {self.pk} ({self.get_kind_display().lower()}, {self.status})"

    def get_absolute_url(self):
        return reverse("swap-detail", args=[self.pk])

    def lease_for(self) -> timedelta:
        """A long video gets a longer lease: progress extends it, but the first frames
        (loading engines, the first detection) must fit in one."""
        duration = self.timings.get("recorded") if self.is_live_recording else self.target.facts.get("duration")
        return max(settings.JOB_LEASE, timedelta(seconds=float(duration or 0) * 4))

    @property
    def is_video(self) -> bool:
        return self.kind == Kind.VIDEO

    @property
    def is_live_recording(self) -> bool:
        return self.target_id is None

    @property
    def original_noun(self) -> str:
        """What the identity check compared the result with, as the page says it."""
        return "your camera" if self.is_live_recording else "your upload"

    @property
    def title(self) -> str:
        if self.is_live_recording:
            return "Live recording"
        faces = len(self.mapping or [])
        return f"{self.get_kind_display()}, {faces} face{'s' if faces != 1 else ''}"

    @property
    def result_extension(self) -> str:
        # The stored name says what the task wrote; before there is one, the kind's usual.
        return self.result.name.rsplit(".", 1)[-1] if self.result else ("mp4" if self.is_video else "jpg")

    @cached_property
    def identity_check(self) -> IdentityCheck | None:
        """The stored identity check, typed (checks stored with one judge read as well)."""
        return IdentityCheck.from_json(self.identity, video=self.is_video)

    @cached_property
    def identity_verdicts(self):
        """The identity check in plain words, face by face (swaps.identity)."""

        return verdicts(self.identity_check)

    @property
    def identity_recognised(self) -> bool:
        """Whether a judge still matched any swapped face to the upload."""
        return self.identity_check is not None and self.identity_check.recognised

    @property
    def identity_can_be_stronger(self) -> bool:
        """A face still matches and has not had the stronger swap yet."""
        return not self.strong and any(v.recognised and not v.strong for v in self.identity_verdicts)

    def cancel(self) -> bool:
        """Stop a queued or running swap; the worker notices at its next progress report."""
        return self._transition(
            Q(status__in=ACTIVE_STATES),
            status=JobStatus.FAILED,
            cancelled=True,
            lease_expires_at=None,
            finished_at=timezone.now(),
            error="Cancelled.",
        )

    @property
    def face_numbers(self) -> list[int]:
        """The faces swapped, as the face picker numbered them, in mapping order."""
        return [entry["face"] for entry in self.mapping]

    @property
    def avatar_ids(self) -> list[int]:
        return [entry["avatar"] for entry in self.mapping]

    def labelled_check(self, check: IdentityCheck) -> dict:
        """The engine's identity check, stored with each face's number and avatar as the page
        names them. A photo's faces come in mapping order; a video's people carry the number
        they had in the reference frame (`label`, None for someone who appeared later, who got
        the one avatar when there was only one)."""
        if not self.is_video:
            faces = [replace(face, face=chosen["face"], avatar=chosen["avatar"])
                     for face, chosen in zip(check.faces, self.mapping)]
        else:
            avatars = {chosen["face"]: chosen["avatar"] for chosen in self.mapping}
            only = self.mapping[0]["avatar"] if len(set(avatars.values())) == 1 else None
            faces = [replace(face, face=face.label, avatar=avatars.get(face.label, only), label=None)
                     for face in check.faces]
        return replace(check, faces=tuple(faces)).to_json()
