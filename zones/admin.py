"""Admin of communes, police services and zones. Boundaries are drawn and edited on an offline
Leaflet map; every save goes through the same checks as an import (repair, clipping of
neighbourhoods to their commune) and rebuilds the subdivided copy used by routing."""

from django import forms
from django.contrib import admin, messages
from django.contrib.gis.admin import GISModelAdmin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from zones import services
from zones.models import Commune, PoliceService, Zone
from zones.widgets import LeafletBoundaryWidget


class BoundaryAdmin(GISModelAdmin):
    gis_widget = LeafletBoundaryWidget

    def boundary_notes(self, request, notes: list[str]) -> None:
        for note in notes:
            messages.warning(request, note)


class CommuneForm(forms.ModelForm):
    class Meta:
        model = Commune
        fields = [
            "code",
            "name",
            "population",
            "households",
            "boundary",
            "town_hall",
            "adopted_on",
            "routing_radius_m",
        ]

    def clean_boundary(self):
        boundary = self.cleaned_data["boundary"]
        if boundary is None:
            return boundary
        try:
            self.boundary_checked = services.boundary_check(boundary=services.as_multipolygon(boundary))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return self.boundary_checked.boundary


@admin.register(Commune)
class CommuneAdmin(BoundaryAdmin):
    form = CommuneForm
    list_display = ["code", "name", "population", "adopted_on", "metric_srid"]
    list_filter = [("adopted_on", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name"]
    readonly_fields = ["metric_srid"]

    def save_model(self, request, obj, form, change):
        services.commune_boundary_save(commune=obj)
        self.boundary_notes(request, getattr(form, "boundary_checked", services.CheckedBoundary(obj.boundary)).notes)


class ZoneForm(forms.ModelForm):
    class Meta:
        model = Zone
        fields = ["kind", "commune", "police_service", "name", "boundary", "households", "population"]

    def clean(self):
        cleaned = super().clean()
        boundary, commune, kind = cleaned.get("boundary"), cleaned.get("commune"), cleaned.get("kind")
        if boundary is not None and commune is not None and kind:
            try:
                self.boundary_checked = services.zone_boundary_check(kind=kind, commune=commune, boundary=boundary)
            except ValidationError as error:
                self.add_error("boundary", error.messages)
            else:
                cleaned["boundary"] = self.instance.boundary = self.boundary_checked.boundary
        return cleaned


class CurrentFilter(admin.SimpleListFilter):
    title = _("validité")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("current", _("en vigueur")), ("retired", _("retirées"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.current()
        if self.value() == "retired":
            return queryset.filter(valid_until__isnull=False)
        return queryset


@admin.register(Zone)
class ZoneAdmin(BoundaryAdmin):
    """Every version of every zone. A changed boundary is saved as a new version; a retired version
    is read-only history, listed on the page of each version with the alerts routed to it."""

    form = ZoneForm
    list_display = [
        "name", "kind", "commune", "police_service", "households", "population", "origin", "valid_from", "valid_until",
    ]  # fmt: skip
    list_filter = [CurrentFilter, "kind", "origin"]
    search_fields = ["name", "commune__name", "commune__code"]
    autocomplete_fields = ["commune", "police_service"]
    list_select_related = ["commune", "police_service"]
    readonly_fields = ["valid_from", "valid_until", "history"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []  # a new zone has no history yet
        if not obj.is_current:
            return [*ZoneForm.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("historique des limites"))
    def history(self, zone: Zone):
        rows = [
            (
                reverse("admin:zones_zone_change", args=[version.pk]),
                version.pk,
                date_format(timezone.localtime(version.valid_from), "DATETIME_FORMAT"),
                date_format(timezone.localtime(version.valid_until), "DATETIME_FORMAT")
                if version.valid_until
                else _("en vigueur"),
                version.routed_alerts.count(),
            )
            for version in Zone.objects.versions_of(zone)
        ]
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("version"),
            _("depuis"),
            _("jusqu'au"),
            _("alertes diffusées"),
            format_html_join("", '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', rows),
        )

    def save_model(self, request, obj, form, change):
        services.zone_save(zone=obj)
        self.boundary_notes(request, getattr(form, "boundary_checked", services.CheckedBoundary(obj.boundary)).notes)


@admin.register(PoliceService)
class PoliceServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["communes"]


admin.site.site_header = _("Administration de Vigie")
