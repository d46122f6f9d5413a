"""Admin of routing and delivery: read-mostly, deliveries are written by routing and the senders."""

from django.contrib import admin

from delivery.models import AlertRouting, Broadcast, Delivery, NotificationPreference, RoutedZone


@admin.register(AlertRouting)
class AlertRoutingAdmin(admin.ModelAdmin):
    list_display = ["alert", "routed_at", "radius_m", "recipients"]
    raw_id_fields = ["alert"]
    date_hierarchy = "routed_at"


@admin.register(RoutedZone)
class RoutedZoneAdmin(admin.ModelAdmin):
    list_display = ["alert", "zone_name", "zone", "reason"]
    list_filter = ["reason", "zone__kind"]
    raw_id_fields = ["alert", "zone"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries are written by routing and the senders, never by hand."""

    list_display = [
        "id",
        "kind",
        "recipient",
        "alert",
        "broadcast",
        "status",
        "email_status",
        "sms_status",
        "push_status",
        "attempts",
    ]
    list_filter = ["kind", "status", "email_status", "sms_status", "push_status"]
    search_fields = ["recipient__email"]
    raw_id_fields = ["recipient", "alert", "broadcast"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["title", "commune", "kind", "target", "recipients", "created_at", "author"]
    list_filter = ["kind", "target", "commune"]
    raw_id_fields = ["author"]
    readonly_fields = ["recipients"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "by_email", "by_sms", "quiet_start", "quiet_end", "prevention_notices"]
    raw_id_fields = ["user"]
