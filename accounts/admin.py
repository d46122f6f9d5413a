from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessLog, CharterVersion, ProofOfResidence, Residence, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profil"), {"fields": ("display_name",)}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    fields = ("kind", "commune", "police_service", "can_verify_residents")


UserAdmin.inlines = [RoleInline]


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
    """A published version is never edited: a change is written as a new version."""

    list_display = ("version", "published_at")
    ordering = ("-version",)

    def get_readonly_fields(self, request, obj=None):
        return ("version", "text", "published_at") if obj else ()

    def get_changeform_initial_data(self, request):
        latest = CharterVersion.objects.order_by("-version").first()
        return {"version": (latest.version + 1) if latest else 1, "text": latest.text if latest else ""}

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.acceptances.exists()


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "commune", "police_service", "can_verify_residents")
    list_filter = ("kind", "commune", "police_service")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(Residence)
class ResidenceAdmin(admin.ModelAdmin):
    list_display = ("user", "commune", "neighbourhood", "status", "decided_at")
    list_filter = ("status", "commune")
    search_fields = ("user__email",)
    raw_id_fields = ("user", "decided_by")
    readonly_fields = ("decided_at", "decided_by")


@admin.register(ProofOfResidence)
class ProofOfResidenceAdmin(admin.ModelAdmin):
    """Metadata only: the file is opened through the verification pages, which log each opening."""

    list_display = ("residence", "content_type", "uploaded_at", "outcome", "decided_at", "decided_by")
    list_filter = ("outcome",)
    exclude = ("file",)
    readonly_fields = [field.name for field in ProofOfResidence._meta.fields if field.name != "file"]

    def has_add_permission(self, request):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "viewer_email", "kind", "object_id", "commune")
    list_filter = ("kind", "commune")
    search_fields = ("viewer_email",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
