"""Admin of communes, police services and zones. Boundaries are drawn and edited on an offline
Leaflet map; every save goes through the same checks as an import (repair, clipping of
neighbourhoods to their commune) and rebuilds the subdivided copy used by routing."""

from django import forms
from django.contrib import admin, messages
from django.contrib.gis.admin import GISModelAdmin
from django.core.exceptions import ValidationError
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


@admin.register(Zone)
class ZoneAdmin(BoundaryAdmin):
    form = ZoneForm
    list_display = ["name", "kind", "commune", "police_service", "households", "population", "origin"]
    list_filter = ["kind", "origin"]
    search_fields = ["name", "commune__name", "commune__code"]
    autocomplete_fields = ["commune", "police_service"]
    list_select_related = ["commune", "police_service"]

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
