from django.contrib import admin

from solidarity.models import CommuneSolidarityRules, SolidarityEvent, SolidarityRequest


@admin.register(CommuneSolidarityRules)
class CommuneSolidarityRulesAdmin(admin.ModelAdmin):
    list_display = ["commune", "light_moderation"]
    autocomplete_fields = ["commune"]


@admin.register(SolidarityRequest)
class SolidarityRequestAdmin(admin.ModelAdmin):
    """Kinds, states and dates only: what neighbours write to each other stays out of the admin."""

    list_display = ["kind", "commune", "neighbourhood", "status", "created_at", "expires_at"]
    list_filter = ["kind", "status"]
    fields = ["kind", "commune", "neighbourhood", "status", "created_at", "published_at", "expires_at", "closed_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SolidarityEvent)
class SolidarityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "request", "action", "actor", "offer"]
    list_filter = ["action"]
    readonly_fields = ["created_at", "request", "action", "actor", "offer", "note"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
