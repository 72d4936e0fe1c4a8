from django.contrib import admin

from avatars.models import Avatar
from moderation.admin import ModeratedAdmin


@admin.register(Avatar)
class AvatarAdmin(ModeratedAdmin):
    list_display = (*ModeratedAdmin.list_display, "engine")
    list_filter = (*ModeratedAdmin.list_filter, "engine")
    search_fields = (*ModeratedAdmin.search_fields, "engine", "seed")
    raw_id_fields = ("owner", "parent")
    readonly_fields = (*ModeratedAdmin.readonly_fields, "created_at", "updated_at", "started_at", "finished_at", "sha256", "used_seed", "engine")
