"""Reads of Opération Tranquillité Vacances, each scoped to the territory of whoever asks: a resident
reads their own absences; a police agent reads those whose home lies in a sector of their services
(`ST_Covers` on the subdivided sector parts, so a home on a border belongs to both sides)."""

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Residence, User
from patrols.models import Absence, Visit
from zones.models import Zone, ZonePart


def absences_of(resident: User) -> QuerySet[Absence]:
    return Absence.objects.filter(resident=resident).order_by("-starts_on", "-id")


def absences_watched_by(service_ids: list[int]) -> QuerySet[Absence]:
    """Absences of verified homes covered by a police sector of these services."""
    sectors = ZonePart.objects.filter(
        kind=Zone.Kind.POLICE_SECTOR,
        zone__police_service_id__in=service_ids,
        geom__covers=OuterRef("residence__home"),
    )
    return Absence.objects.filter(Exists(sectors), residence__status=Residence.Status.VERIFIED)


def absences_layer(service_ids: list[int], day: date) -> QuerySet[Absence]:
    """The live map's layer: absences in force on the day, with whether the home was visited."""
    visited = Visit.objects.filter(absence=OuterRef("pk"), day=day)
    return (
        absences_watched_by(service_ids)
        .active_on(day)
        .annotate(visited=Exists(visited))
        .select_related("residence__commune")
        .only(
            "id",
            "starts_on",
            "ends_on",
            "residence__home",
            "residence__address",
            "residence__commune__name",
        )
        .order_by("id")
    )
