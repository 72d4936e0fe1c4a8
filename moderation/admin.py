"""The moderation panel is Django's admin: reports, the action log, a queue of open
reports, and actions on avatars, swaps and users that are always recorded."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from moderation import models as moderation
from moderation.models import Action, Moderated, Report, reportable_model


def thumbnail(item, size=64):
    """An <img> of the item's thumbnail for admin lists, or a dash."""
    if item is None or not getattr(item, "thumbnail", None):
        return "–"
    # Media are served by views that check who may see them (avatar-thumbnail, swapjob-thumbnail).
    url = reverse(f"{item._meta.model_name}-thumbnail", args=[item.pk])
    return format_html('<img src="{}" width="{}" height="{}" alt="" class="admin-thumb">', url, size, size)


# --- Actions shared by every reportable model's admin -------------------------------------


@admin.action(description="Hide from the public gallery")
def hide_items(modeladmin, request, queryset):
    for item in queryset:
        item.hide(request.user, "From the admin list.")
    modeladmin.message_user(request, f"Hid {len(queryset)} item(s).", messages.SUCCESS)


@admin.action(description="Restore (visible again, reports dismissed)")
def restore_items(modeladmin, request, queryset):
    for item in queryset:
        item.restore(request.user, "From the admin list.")
    modeladmin.message_user(request, f"Restored {len(queryset)} item(s).", messages.SUCCESS)


@admin.action(description="Dismiss their reports")
def dismiss_item_reports(modeladmin, request, queryset):
    for item in queryset:
        moderation.dismiss_reports(item, request.user, "From the admin list.")
    modeladmin.message_user(request, f"Dismissed the reports of {len(queryset)} item(s).", messages.SUCCESS)


@admin.action(description="Delete (recorded in the moderation log)", permissions=["delete"])
def delete_items(modeladmin, request, queryset):
    count = len(queryset)
    for item in list(queryset):
        moderation.delete(item, request.user, "From the admin list.")
    modeladmin.message_user(request, f"Deleted {count} item(s).", messages.SUCCESS)


@admin.action(description="Ban their owners (deactivate, hide all their public items)")
def ban_owners(modeladmin, request, queryset):
    owners = {item.owner for item in queryset.select_related("owner")}
    for owner in owners:
        moderation.ban(owner, request.user, "From the admin list.")
    modeladmin.message_user(request, f"Banned {len(owners)} user(s).", messages.SUCCESS)


class ReportedFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("open", "Open reports"), ("any", "Ever reported"), ("none", "Never reported")]

    def queryset(self, request, queryset):
        reports = Report.objects.filter(content_type=ContentType.objects.get_for_model(queryset.model))
        if self.value() == "open":
            return queryset.filter(pk__in=reports.filter(state=Report.State.OPEN).values("object_id"))
        if self.value() == "any":
            return queryset.filter(pk__in=reports.values("object_id"))
        if self.value() == "none":
            return queryset.exclude(pk__in=reports.values("object_id"))
        return queryset


class ModeratedAdmin(admin.ModelAdmin):
    """Base admin for reportable models (avatars, swaps)."""

    actions = [hide_items, restore_items, dismiss_item_reports, delete_items, ban_owners]
    list_display = ("preview", "pk", "owner", "status", "is_public", "moderation", "open_reports", "created_at")
    list_filter = ("moderation", ReportedFilter, "is_public", "status", "created_at")
    search_fields = ("owner__username", "owner__email")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    readonly_fields = ("preview_large", "moderation_history")

    @admin.display(description="")
    def preview(self, item):
        return thumbnail(item)

    @admin.display(description="Picture")
    def preview_large(self, item):
        return thumbnail(item, 256)

    @admin.display(description="Open reports")
    def open_reports(self, item):
        return Report.objects.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk, state=Report.State.OPEN).count()

    @admin.display(description="Moderation history")
    def moderation_history(self, item):
        actions = Action.for_item(item).select_related("moderator")
        if not actions:
            return "No moderation actions yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {} by {}{}</li>",
                (
                    (a.created_at.strftime("%Y-%m-%d %H:%M"), a.get_kind_display(), a.moderator or "the system", f": {a.reason}" if a.reason else "")
                    for a in actions
                ),
            ),
        )


# --- Reports and the queue --------------------------------------------------------------


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("preview", "reason", "item_link", "reporter", "state", "created_at", "handled_by")
    list_filter = ("state", "reason", "content_type", "created_at")
    search_fields = ("reporter__username", "note")
    readonly_fields = ("reporter", "content_type", "object_id", "reason", "note", "created_at", "handled_by", "handled_at")
    actions = ["hide_reported", "dismiss"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description="")
    def preview(self, report):
        return thumbnail(report.item)

    @admin.display(description="Item")
    def item_link(self, report):
        item = report.item
        if item is None:
            return "deleted"
        url = reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_change", args=[item.pk])
        return format_html('<a href="{}">{}</a>', url, item)

    @admin.action(description="Hide the reported items")
    def hide_reported(self, request, queryset):
        items = {(r.content_type_id, r.object_id): r.item for r in queryset if r.item is not None}
        for item in items.values():
            item.hide(request.user, "From the reports list.")
        self.message_user(request, f"Hid {len(items)} item(s).", messages.SUCCESS)

    @admin.action(description="Dismiss these reports")
    def dismiss(self, request, queryset):
        items = {(r.content_type_id, r.object_id): r.item for r in queryset if r.item is not None}
        for item in items.values():
            moderation.dismiss_reports(item, request.user, "From the reports list.")
        self.message_user(request, f"Dismissed the reports of {len(items)} item(s).", messages.SUCCESS)

    def get_urls(self):
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="moderation_queue"),
            path("queue/<slug:kind>/<int:pk>/<slug:decision>/", self.admin_site.admin_view(self.decide_view), name="moderation_decide"),
            *super().get_urls(),
        ]

    def queue_view(self, request):
        """Open reports, oldest first, grouped by item, with the item beside them."""
        open_reports = Report.objects.filter(state=Report.State.OPEN).select_related("reporter", "content_type").order_by("created_at")
        groups = {}
        for report in open_reports:
            key = (report.content_type_id, report.object_id)
            if key not in groups:
                item = report.item
                kind = item.report_kind if item is not None else None
                groups[key] = {"item": item, "kind": kind, "preview": thumbnail(item, 160), "reports": []}
            groups[key]["reports"].append(report)
        context = {**self.admin_site.each_context(request), "title": "Moderation queue", "groups": list(groups.values()), "opts": self.model._meta}
        return TemplateResponse(request, "admin/moderation/queue.html", context)

    def decide_view(self, request, kind, pk, decision):
        if request.method != "POST":
            return redirect("admin:moderation_queue")
        model = reportable_model(kind)
        if model is None or decision not in ("hide", "restore", "dismiss", "delete"):
            return redirect("admin:moderation_queue")
        item = get_object_or_404(model, pk=pk)
        reason = request.POST.get("reason", "").strip()
        decide = {"hide": Moderated.hide, "restore": Moderated.restore, "dismiss": moderation.dismiss_reports,
                  "delete": moderation.delete}
        decide[decision](item, request.user, reason)
        self.message_user(request, f"{decision.capitalize()}: {item}.", messages.SUCCESS)
        return redirect("admin:moderation_queue")


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "subject", "moderator", "reason")
    list_filter = ("kind", "created_at")
    search_fields = ("subject", "reason", "moderator__username")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Users: ban ---------------------------------------------------------------------------

User = get_user_model()


@admin.action(description="Ban (deactivate, hide all their public items)")
def ban_users(modeladmin, request, queryset):
    for user in queryset:
        moderation.ban(user, request.user, "From the users list.")
    modeladmin.message_user(request, f"Banned {len(queryset)} user(s).", messages.SUCCESS)


admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = [ban_users]
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")


admin.site.site_header = "SafeFace moderation"
admin.site.site_title = "SafeFace admin"
admin.site.index_title = "Moderation"
