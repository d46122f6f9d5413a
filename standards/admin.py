from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from standards.api_keys import open311_api_key_revoke
from standards.models import Open311ApiKey


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued by `manage.py open311_api_key EMAIL` (the key is shown once); the admin
    lists them and revokes them."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__email", "name"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Révoquer les clés choisies"))
    def revoke(self, request, queryset):
        for key in queryset:
            open311_api_key_revoke(key=key)
