"""Weekly figures of Opération Tranquillité Vacances for the police chief, for the homes in the
sectors of their services: absences declared, visits made, homes visited at least once, and
burglaries of homes under watch (a published burglary within PATROLS_HOME_MATCH_M of a home on a day
its absence was in force). Raw counts: whoever shows them applies the small-number rules.

Declarations are deleted PATROLS_ABSENCE_RETENTION_DAYS after the return, so a week older than that
is no longer counted in full; the page says so."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from psycopg import sql

from accounts.models import Residence
from alerts.models import Alert, Family
from zones.models import Zone

# The absences of the verified homes in the sectors of the services (%(services)s, %(verified)s,
# %(sector)s): the homes under watch. Also read by the recorded-crime figures of the maps app.
WATCHED_SQL = sql.SQL(
    """
    SELECT a.id, a.created_at, a.starts_on, a.ends_on, a.cancelled_at, r.home
    FROM patrols_absence a JOIN accounts_residence r ON r.id = a.residence_id
    WHERE r.status = %(verified)s AND EXISTS (
        SELECT 1 FROM zones_zonepart p JOIN zones_zone z ON z.id = p.zone_id
        WHERE p.kind = %(sector)s AND z.police_service_id = ANY(%(services)s) AND ST_Covers(p.geom, r.home))"""
)

_WEEKS_SQL = sql.SQL(
    """
WITH weeks AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '7 days')::date AS monday
), watched AS ({watched}
)
SELECT w.monday,
       (SELECT count(*) FROM watched a
        WHERE (a.created_at AT TIME ZONE %(tz)s)::date BETWEEN w.monday AND w.monday + 6),
       (SELECT count(*) FROM patrols_visit v JOIN watched a ON a.id = v.absence_id
        WHERE v.day BETWEEN w.monday AND w.monday + 6),
       (SELECT count(DISTINCT v.absence_id) FROM patrols_visit v JOIN watched a ON a.id = v.absence_id
        WHERE v.day BETWEEN w.monday AND w.monday + 6),
       (SELECT count(DISTINCT al.id) FROM alerts_alert al
        JOIN alerts_alertcategory c ON c.id = al.category_id AND c.family = %(burglary)s
        JOIN watched a ON a.cancelled_at IS NULL
             AND (al.occurred_at AT TIME ZONE %(tz)s)::date BETWEEN greatest(a.starts_on, w.monday)
                                                               AND least(a.ends_on, w.monday + 6)
             AND ST_DWithin(al.location::geography, a.home::geography, %(match_m)s)
        WHERE al.status = %(published)s
          AND (al.occurred_at AT TIME ZONE %(tz)s)::date BETWEEN w.monday AND w.monday + 6)
FROM weeks w ORDER BY w.monday DESC
"""
).format(watched=WATCHED_SQL)


def watched_params(service_ids: list[int]) -> dict:
    return {"services": service_ids, "verified": Residence.Status.VERIFIED, "sector": Zone.Kind.POLICE_SECTOR}


@dataclass(frozen=True)
class Week:
    monday: date
    declared: int
    visits: int
    homes_visited: int
    burglaries: int


def weekly_figures(*, service_ids: list[int], today: date, time_zone: str, weeks: int = 8) -> list[Week]:
    """The last `weeks` weeks (Monday to Sunday, local time), this one first."""
    last = today - timedelta(days=today.weekday())
    params = {
        "first": last - timedelta(weeks=weeks - 1),
        "last": last,
        **watched_params(service_ids),
        "burglary": Family.BURGLARY,
        "published": Alert.Status.PUBLISHED,
        "match_m": float(settings.PATROLS_HOME_MATCH_M),
        "tz": time_zone,
    }
    with connection.cursor() as cursor:
        cursor.execute(_WEEKS_SQL, params)
        return [Week(*row) for row in cursor.fetchall()]
