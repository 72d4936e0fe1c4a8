"""Reports from people, and a record of every moderation action."""

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

# What can be reported: the kind in URLs -> the model (each has is_public, moderation, owner).
REPORTABLE = {"avatar": "avatars.Avatar", "swap": "swaps.SwapJob"}


def reportable_model(kind: str):
    """The model for a kind in a URL, or None (unknown kind, or that app not installed)."""
    label = REPORTABLE.get(kind)
    if label is None:
        return None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


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
            if reporters >= settings.SAFEFACE_REPORTS_TO_HIDE and item.moderation != "hidden":
                hide(item, moderator=None, reason=f"Hidden automatically: {reporters} people reported it.")
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


def hide(item, moderator, reason=""):
    type(item)._default_manager.filter(pk=item.pk).update(moderation="hidden")
    item.moderation = "hidden"
    _close_reports(item, Report.State.ACTIONED, moderator)
    Action.record(Action.Kind.HIDE, item, moderator, reason)


def restore(item, moderator, reason=""):
    type(item)._default_manager.filter(pk=item.pk).update(moderation="visible")
    item.moderation = "visible"
    _close_reports(item, Report.State.DISMISSED, moderator)
    Action.record(Action.Kind.RESTORE, item, moderator, reason)


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
    for kind in REPORTABLE:
        model = reportable_model(kind)
        if model is None:
            continue
        for item in model._default_manager.filter(owner=user, is_public=True).exclude(moderation="hidden"):
            hide(item, moderator, f"Owner banned. {reason}".strip())
    Action.record(Action.Kind.BAN, user, moderator, reason)
