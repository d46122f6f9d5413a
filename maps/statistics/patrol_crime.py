"""Recorded burglaries near the homes under watch of Opération Tranquillité Vacances, from the crime
files imported into the statistics (maps/statistics/crime_import.py), month by month.

Only police.uk files place each crime, and then at an anonymised point (a snap point of the street,
usually within a couple of hundred metres) and by month, never by day. So a recorded burglary counts
for a home under watch when its point lies within MAPS_PATROL_RECORDED_MATCH_M of the home and its
month overlaps the absence: a neighbourhood of the home over a month, not the home on a day, and the
page says so. The SSMSI files count a commune's year and place nothing: they cannot be joined to a
home and are left out. A month without any police.uk row for the services' communes reads "no data",
not zero."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from psycopg import sql

from alerts.models import Family
from maps.models import RecordedCrime
from patrols.figures import WATCHED_SQL, watched_params
from zones.models import Commune

_MONTHS_SQL = sql.SQL(
    """
WITH months AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 month')::date AS month
), watched AS ({watched}
)
SELECT m.month,
       EXISTS (SELECT 1 FROM maps_recordedcrime rc
               WHERE rc.source = %(source)s AND rc.month = m.month AND rc.commune_id = ANY(%(communes)s)),
       (SELECT count(DISTINCT rc.id) FROM maps_recordedcrime rc
        JOIN watched a ON a.cancelled_at IS NULL
             AND a.starts_on < (m.month + interval '1 month')::date AND a.ends_on >= m.month
             AND ST_DWithin(rc.location::geography, a.home::geography, %(match_m)s)
        WHERE rc.source = %(source)s AND rc.family = %(burglary)s AND rc.month = m.month
          AND rc.location IS NOT NULL AND rc.commune_id = ANY(%(communes)s))
FROM months m ORDER BY m.month DESC
"""
).format(watched=WATCHED_SQL)


@dataclass(frozen=True)
class RecordedMonth:
    month: dt.date
    has_data: bool
    burglaries: int


def recorded_burglaries_near_watched_homes(*, service_ids: list[int], first: dt.date, last: dt.date):
    """One row per month from `first`'s to `last`'s, latest first."""
    communes = list(Commune.objects.filter(police_services__in=service_ids).values_list("id", flat=True).distinct())
    params = {
        **watched_params(service_ids),
        "first": first.replace(day=1),
        "last": last.replace(day=1),
        "communes": communes,
        "source": RecordedCrime.Source.POLICE_UK,
        "burglary": Family.BURGLARY,
        "match_m": float(settings.MAPS_PATROL_RECORDED_MATCH_M),
    }
    with connection.cursor() as cursor:
        cursor.execute(_MONTHS_SQL, params)
        return [RecordedMonth(*row) for row in cursor.fetchall()]
