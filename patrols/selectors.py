"""Reads of Opération Tranquillité Vacances, each scoped to the territory of whoever asks: a resident
reads their own absences; a police agent reads those whose home lies in a sector of their services
(`ST_Covers` on the subdivided sector parts, so a home on a border belongs to both sides)."""

from datetime import date
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from psycopg import sql

from accounts.models import Residence, User
from patrols.models import Absence
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
# (`active`, then `watched`) that every set query of a day starts from, each row carrying what an
# agent reads of the absence (so no second query reads them back). In two materialised steps:
# PostgreSQL cannot estimate how many points `ST_Covers` keeps and, asked in one, planned a nested
# loop of every absence for every home (1.4 s for 2,000 homes instead of a few milliseconds).
WATCHED_CTES = sql.SQL(
    """active AS MATERIALIZED (
    SELECT a.id, r.home, r.neighbourhood_id, a.starts_on, a.ends_on, a.contact_phone, a.key_holder, a.notes,
           r.address, r.commune_id
    FROM patrols_absence a JOIN accounts_residence r ON r.id = a.residence_id
    WHERE a.cancelled_at IS NULL AND a.starts_on <= %(day)s AND a.ends_on >= %(day)s AND r.status = %(verified)s
), watched AS MATERIALIZED (
    SELECT * FROM active w
    WHERE EXISTS (SELECT 1 FROM zones_zonepart p JOIN zones_zone z ON z.id = p.zone_id
                  WHERE p.kind = %(sector)s AND z.police_service_id = ANY(%(services)s)
                    AND p.geom && w.home AND ST_Covers(p.geom, w.home))
)"""
)

# What an agent's list, sheet and map read of each watched absence `w`, as SQL columns in the order
# of AGENT_FIELDS then the home's longitude and latitude: 2,000 model instances (absence, home,
# commune) and as many GEOS points cost ten times the query (bench/patrol_round.py).
AGENT_FIELDS = ("id", "starts_on", "ends_on", "contact_phone", "key_holder", "notes", "address", "commune")
AGENT_COLUMNS = sql.SQL(
    "w.id, w.starts_on, w.ends_on, w.contact_phone, w.key_holder, w.notes, w.address,"
    " (SELECT c.name FROM zones_commune c WHERE c.id = w.commune_id), ST_X(w.home), ST_Y(w.home)"
)


class HomePoint(NamedTuple):
    """A home's longitude and latitude as read from SQL, for the serializer and the templates (which
    read `.x` and `.y` as they would of a GEOS point)."""

    x: float
    y: float


def agent_row(values) -> dict:
    """A row of AGENT_COLUMNS (and what follows it) as the dict agents' pages and features read."""
    row = dict(zip(AGENT_FIELDS, values, strict=False))
    row["home"] = HomePoint(values[8], values[9])
    return row


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


def absences_layer(service_ids: list[int], day: date) -> list[dict]:
    """The live map's layer: absences in force on the day, as rows (agent_row), with whether the home
    was visited that day, by id; one statement."""
    query = sql.SQL(
        """WITH {watched} SELECT {columns},
           EXISTS (SELECT 1 FROM patrols_visit v WHERE v.absence_id = w.id AND v.day = %(day)s)
        FROM watched w ORDER BY w.id"""
    ).format(watched=WATCHED_CTES, columns=AGENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(query, watched_params(service_ids, day))
        return [{**agent_row(values), "visited": values[10]} for values in cursor.fetchall()]
