from django.contrib import admin

from alerts.models import Alert, AlertCategory
from alerts.models.moderation import AlertRedaction, AlertTransition


@admin.register(AlertCategory)
class AlertCategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "family", "is_urgent", "is_public", "is_active", "position"]
    list_filter = ["family", "is_active", "is_public"]
    list_editable = ["is_public", "is_active", "position"]


class AlertTransitionInline(admin.TabularInline):
    model = AlertTransition
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "field", "from_state", "to_state", "reason", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Read-mostly: moderation goes through the moderation queue so the audit trail stays whole."""

    list_display = ["id", "category", "commune", "status", "follow_up", "created_at", "decided_at"]
    list_filter = ["status", "follow_up", "commune"]
    readonly_fields = [f.name for f in Alert._meta.fields]
    inlines = [AlertTransitionInline]

    def has_add_permission(self, request):
        return False


@admin.register(AlertRedaction)
class AlertRedactionAdmin(admin.ModelAdmin):
    list_display = ["alert", "moderator", "created_at", "restored_at"]
    readonly_fields = [f.name for f in AlertRedaction._meta.fields]
