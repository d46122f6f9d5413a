"""Reads of Opération Tranquillité Vacances, each scoped to the territory of whoever asks: a resident
reads their own absences; a police agent reads those whose home lies in a sector of their services
(`ST_Covers` on the subdivided sector parts, so a home on a border belongs to both sides)."""

from datetime import date

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from psycopg import sql

from accounts.models import Residence, User
from patrols.models import Absence, Visit
from zones.models import Zone, ZonePart


def absences_of(resident: User) -> QuerySet[Absence]:
    return Absence.objects.filter(resident=resident).order_by("-starts_on", "-id")


def absences_watched_by(service_ids: list[int]) -> QuerySet[Absence]:
    """Absences of verified homes covered by a police sector of these services (for a few rows:
    whole days go through `WATCHED_CTES`)."""
    sectors = ZonePart.objects.filter(
        kind=Zone.Kind.POLICE_SECTOR,
        zone__police_service_id__in=service_ids,
        geom__covers=OuterRef("residence__home"),
    )
    return Absence.objects.filter(Exists(sectors), residence__status=Residence.Status.VERIFIED)


# The absences in force on %(day)s whose verified home a sector of %(services)s covers, as two CTEs
# (`active`, then `watched`) that every set query of a day starts from. In two materialised steps:
# PostgreSQL cannot estimate how many points `ST_Covers` keeps and, asked in one, planned a nested
# loop of every absence for every home (1.4 s for 2,000 homes instead of a few milliseconds).
WATCHED_CTES = sql.SQL(
    """active AS MATERIALIZED (
    SELECT a.id, r.home, r.neighbourhood_id, a.starts_on
    FROM patrols_absence a JOIN accounts_residence r ON r.id = a.residence_id
    WHERE a.cancelled_at IS NULL AND a.starts_on <= %(day)s AND a.ends_on >= %(day)s AND r.status = %(verified)s
), watched AS MATERIALIZED (
    SELECT * FROM active w
    WHERE EXISTS (SELECT 1 FROM zones_zonepart p JOIN zones_zone z ON z.id = p.zone_id
                  WHERE p.kind = %(sector)s AND z.police_service_id = ANY(%(services)s)
                    AND p.geom && w.home AND ST_Covers(p.geom, w.home))
)"""
)


def watched_params(service_ids: list[int], day: date) -> dict:
    return {
        "day": day,
        "services": service_ids,
        "verified": Residence.Status.VERIFIED,
        "sector": Zone.Kind.POLICE_SECTOR,
    }


def watched_absence_ids(service_ids: list[int], day: date) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("WITH {} SELECT id FROM watched").format(WATCHED_CTES), watched_params(service_ids, day)
        )
        return [row[0] for row in cursor.fetchall()]


def absences_layer(service_ids: list[int], day: date) -> QuerySet[Absence]:
    """The live map's layer: absences in force on the day, with whether the home was visited."""
    visited = Visit.objects.filter(absence=OuterRef("pk"), day=day)
    return (
        for_agents(Absence.objects.filter(id__in=watched_absence_ids(service_ids, day)))
        .annotate(visited=Exists(visited))
        .order_by("id")
    )


def for_agents(absences: QuerySet[Absence]) -> QuerySet[Absence]:
    """What an agent's list and map read of each absence, with the home's address and commune name
    only: the commune row also holds its boundary, which would be parsed once per home."""
    return absences.select_related("residence__commune").only(
        "id",
        "starts_on",
        "ends_on",
        "contact_phone",
        "key_holder",
        "notes",
        "residence__home",
        "residence__address",
        "residence__commune__name",
    )
