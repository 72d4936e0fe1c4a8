from django.contrib import admin

from moderation.admin import ModeratedAdmin
from swaps.models import SwapJob


@admin.register(SwapJob)
class SwapJobAdmin(ModeratedAdmin):
    list_display = (*ModeratedAdmin.list_display, "kind", "engine")
    list_filter = (*ModeratedAdmin.list_filter, "kind", "engine")
    search_fields = (*ModeratedAdmin.search_fields, "engine")
    raw_id_fields = ("owner", "target", "avatar", "avatars")
    readonly_fields = (
        *ModeratedAdmin.readonly_fields, "created_at", "updated_at", "started_at", "finished_at", "sha256", "engine", "timings", "fps",
    )
