"""Reads of Opération Tranquillité Vacances, each scoped to the territory of whoever asks: a resident
reads their own absences; a police agent reads those whose home lies in a sector of their services
(`ST_Covers` on the subdivided sector parts, so a home on a border belongs to both sides)."""

from datetime import date

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
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


# What an agent's list, sheet and map read of each absence, as plain rows: 2,000 model instances
# (absence, home, commune) cost more than the whole query (bench/patrol_round.py).
AGENT_ROW = {
    "home": F("residence__home"),
    "address": F("residence__address"),
    "commune": F("residence__commune__name"),
}
AGENT_FIELDS = ("id", "starts_on", "ends_on", "contact_phone", "key_holder", "notes")


def agent_rows(absence_ids: list[int]) -> dict[int, dict]:
    """The absences' rows by id, for police agents: exact home and address included."""
    rows = Absence.objects.filter(id__in=absence_ids).values(*AGENT_FIELDS, **AGENT_ROW)
    return {row["id"]: row for row in rows}


def absences_layer(service_ids: list[int], day: date) -> QuerySet:
    """The live map's layer: absences in force on the day, as rows, with whether the home was
    visited that day."""
    visited = Visit.objects.filter(absence=OuterRef("pk"), day=day)
    return (
        Absence.objects.filter(id__in=watched_absence_ids(service_ids, day))
        .annotate(visited=Exists(visited))
        .values("id", "starts_on", "ends_on", "visited", **AGENT_ROW)
        .order_by("id")
    )
