from django.contrib import admin

from avatars.models import Avatar


@admin.register(Avatar)
class AvatarAdmin(admin.ModelAdmin):
    list_display = ("pk", "owner", "status", "engine", "is_public", "moderation", "created_at")
    list_filter = ("status", "is_public", "moderation", "engine")
    search_fields = ("owner__username", "engine")
    raw_id_fields = ("owner", "parent")
    readonly_fields = ("created_at", "updated_at", "started_at", "finished_at", "sha256", "used_seed")
