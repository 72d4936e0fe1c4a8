"""What people may share and report: the `Moderated` base of avatars and swaps, reports
from people, and a record of every moderation action."""

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from facekit.core.jobs import JobStatus


class Visibility(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by moderation"


# In the public gallery: shared by its owner, not hidden by moderation, and finished.
PUBLIC = Q(is_public=True, moderation=Visibility.VISIBLE, status=JobStatus.DONE)


class ModeratedQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def public(self):
        return self.filter(PUBLIC)


class Moderated(models.Model):
    """Abstract base of what an owner may share and anyone may report (a job row with an
    `owner`). A subclass names itself with `report_kind`, in report URLs and in the SafeFace
    id its files carry ("avatar:12"); the reportable models are exactly these subclasses
    (`reportable_models`). Who may see one: `can_be_seen_by` for a row, PUBLIC for the
    gallery's queries."""

    report_kind: str = ""

    is_public = models.BooleanField(default=False)
    moderation = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.moderation == Visibility.HIDDEN

    def can_be_seen_by(self, user) -> bool:
        """Staff and its owner always; anyone else when it is in the public gallery (PUBLIC)."""
        if user.is_authenticated and (user.pk == self.owner_id or user.is_staff):
            return True
        return self.is_public and not self.is_hidden and self.status == JobStatus.DONE

    def set_public(self, public: bool) -> bool:
        """Share it (or stop sharing it) as its owner asked; False, nothing changed, while it
        is not finished."""
        if self.status != JobStatus.DONE:
            return False
        self.is_public = public
        self.save(update_fields=["is_public", "updated_at"])
        return True

    def hide(self, moderator, reason: str = "") -> None:
        """Take it out of public view (its owner still sees it); closes its open reports."""
        self._set_moderation(Visibility.HIDDEN)
        _close_reports(self, Report.State.ACTIONED, moderator)
        Action.record(Action.Kind.HIDE, self, moderator, reason)

    def restore(self, moderator, reason: str = "") -> None:
        """Undo a hide; its open reports are dismissed."""
        self._set_moderation(Visibility.VISIBLE)
        _close_reports(self, Report.State.DISMISSED, moderator)
        Action.record(Action.Kind.RESTORE, self, moderator, reason)

    def _set_moderation(self, visibility: str) -> None:
        type(self)._default_manager.filter(pk=self.pk).update(moderation=visibility)
        self.moderation = visibility


def reportable_models() -> dict[str, type[Moderated]]:
    """The kind in report URLs -> its model, for every installed Moderated model."""
    return {model.report_kind: model for model in apps.get_models() if issubclass(model, Moderated)}


def reportable_model(kind: str):
    """The model for a kind in a URL or a SafeFace id, or None (unknown kind, or that app not
    installed)."""
    return reportable_models().get(kind)


class Report(models.Model):
    class Reason(models.TextChoices):
        REAL_PERSON = "real_person", "It shows a real person"
        SEXUAL = "sexual", "Sexual content"
        VIOLENT = "violent", "Violent or disturbing"
        HATEFUL = "hateful", "Hateful or harassing"
        MINOR = "minor", "It looks like a child"
        OTHER = "other", "Something else"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        ACTIONED = "actioned", "Item hidden or deleted"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "content_type", "object_id"], name="one_report_per_person_and_item")
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="report_queue")]

    def __str__(self):
        return f"Report {self.pk}: {self.get_reason_display()}"

    @classmethod
    def file(cls, reporter, item, reason: str, note: str = "") -> "Report":
        """Record a report; hide the item at once when enough different people reported it."""
        content_type = ContentType.objects.get_for_model(item)
        with transaction.atomic():
            report, _ = cls.objects.get_or_create(
                reporter=reporter, content_type=content_type, object_id=item.pk, defaults={"reason": reason, "note": note}
            )
            reporters = cls.objects.filter(content_type=content_type, object_id=item.pk, state=cls.State.OPEN).values("reporter").distinct().count()
            if reporters >= settings.SAFEFACE_REPORTS_TO_HIDE and not item.is_hidden:
                item.hide(moderator=None, reason=f"Hidden automatically: {reporters} people reported it.")
        return report


class Action(models.Model):
    """Who did what to which item, when and why. Never edited."""

    class Kind(models.TextChoices):
        HIDE = "hide", "Hidden"
        RESTORE = "restore", "Restored"
        DELETE = "delete", "Deleted"
        DISMISS = "dismiss", "Reports dismissed"
        BAN = "ban", "Owner banned"

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  help_text="empty: the system (report threshold)")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=200, help_text="what it was done to, kept after a delete")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"

    @classmethod
    def record(cls, kind, item, moderator, reason=""):
        return cls.objects.create(
            kind=kind,
            moderator=moderator,
            content_type=ContentType.objects.get_for_model(item) if item is not None else None,
            object_id=getattr(item, "pk", None),
            subject=str(item),
            reason=reason,
        )

    @classmethod
    def for_item(cls, item):
        return cls.objects.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk)


def _close_reports(item, state, moderator):
    Report.objects.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk, state=Report.State.OPEN).update(
        state=state, handled_by=moderator, handled_at=timezone.now()
    )


def dismiss_reports(item, moderator, reason=""):
    _close_reports(item, Report.State.DISMISSED, moderator)
    Action.record(Action.Kind.DISMISS, item, moderator, reason)


def delete(item, moderator, reason=""):
    _close_reports(item, Report.State.ACTIONED, moderator)
    Action.record(Action.Kind.DELETE, item, moderator, reason)
    item.delete()


def ban(user, moderator, reason=""):
    """Deactivate the account and hide every public item it owns."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    for model in reportable_models().values():
        for item in model._default_manager.filter(owner=user, is_public=True).exclude(moderation=Visibility.HIDDEN):
            item.hide(moderator, f"Owner banned. {reason}".strip())
    Action.record(Action.Kind.BAN, user, moderator, reason)
