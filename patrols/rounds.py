"""The day's patrol round of a police service: every home with an absence in force, ordered by risk,
then chained so a patrol can drive it.

Risk comes first, in tiers: (1) homes inside an active near-repeat zone, within
ALERTS_NEAR_REPEAT_DISTANCE_M (200 m) and ALERTS_NEAR_REPEAT_DAYS (14 days) of a published burglary
(Johnson et al. 2007); (2) homes missed the day before, carried over; (3) homes of a neighbourhood
whose burglary rate (published burglaries of the last year per 1,000 households) is above the round's
median; (4) the others. Inside a tier the homes are chained by nearest neighbour from the station (or
from the last home of the tier before), in metres in the commune's metric projection: a greedy
heuristic, not an optimal tour (no pgRouting: straight-line distances, not the road network).

Every flag is computed by one SQL statement; the chaining is vectorised with numpy."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection
from psycopg import sql

from alerts.models import Alert, Family
from delivery.models import RoutedZone
from geo.distance import expand
from patrols.selectors import AGENT_COLUMNS, WATCHED_CTES, agent_row, watched_params

TIER_NEAR_REPEAT, TIER_CARRIED, TIER_HIGH_RATE, TIER_OTHER = 1, 2, 3, 4
RATE_DAYS = 365

_ROUND_SQL = sql.SQL(
    """
WITH {watched_ctes}, burglaries AS (
    SELECT al.id, al.location, al.occurred_at FROM alerts_alert al
    JOIN alerts_alertcategory c ON c.id = al.category_id
    WHERE al.status = %(published)s AND c.family = %(burglary)s
      AND al.occurred_at >= %(rate_from)s AND al.occurred_at < %(day_end)s
), rates AS MATERIALIZED (
    SELECT n.id AS neighbourhood_id,
           count(b.id)::float8 * 1000 / greatest(coalesce(n.households, 0), 1) AS rate
    FROM zones_zone n
    JOIN {routed} rz ON rz.zone_id = n.id AND rz.reason = %(covers)s
    JOIN burglaries b ON b.id = rz.alert_id
    WHERE n.id IN (SELECT neighbourhood_id FROM watched)
    GROUP BY n.id
)
SELECT w.id, ST_X(m.p), ST_Y(m.p),
       EXISTS (SELECT 1 FROM alerts_alert al JOIN alerts_alertcategory c ON c.id = al.category_id
               WHERE al.location && {box} AND al.status = %(published)s AND c.family = %(burglary)s
                 AND al.occurred_at >= %(near_from)s AND al.occurred_at < %(day_end)s
                 AND ST_DWithin(al.location::geography, w.home::geography, %(near_m)s)) AS near_repeat,
       (w.starts_on < %(day)s AND NOT EXISTS (
            SELECT 1 FROM patrols_visit v WHERE v.absence_id = w.id AND v.day = %(yesterday)s)) AS carried,
       coalesce(rt.rate, 0) AS rate,
       EXISTS (SELECT 1 FROM patrols_visit v WHERE v.absence_id = w.id AND v.day = %(day)s) AS visited,
       {agent_columns}
FROM watched w LEFT JOIN rates rt ON rt.neighbourhood_id = w.neighbourhood_id
CROSS JOIN LATERAL (SELECT ST_Transform(w.home, %(srid)s) AS p) m
ORDER BY w.id
"""
).format(
    watched_ctes=WATCHED_CTES,
    agent_columns=AGENT_COLUMNS,
    routed=sql.Identifier(RoutedZone._meta.db_table),
    box=expand(sql.SQL("w.home"), sql.Placeholder("near_m")),
)


@dataclass
class Stop:
    absence_id: int
    x: float
    y: float
    near_repeat: bool
    carried: bool
    rate: float
    visited: bool
    tier: int = TIER_OTHER
    rank: int = 0
    leg_m: float = 0.0
    # What agents read of the absence (patrols.selectors.agent_row), from the same statement.
    row: dict = field(default_factory=dict, repr=False)


# The round's metric projection and starting point, for the first of the services: its station, else
# the town hall of its first commune (by INSEE code), projected; no point: the chain starts at the
# first home of the highest tier. One statement instead of three queries and a model per service.
_START_SQL = """
SELECT coalesce(c.metric_srid, 2154), ST_X(m.p), ST_Y(m.p)
FROM zones_policeservice s
LEFT JOIN LATERAL (
    SELECT c.metric_srid, c.town_hall FROM zones_commune c
    JOIN zones_policeservice_communes sc ON sc.commune_id = c.id
    WHERE sc.policeservice_id = s.id ORDER BY c.code LIMIT 1
) c ON true
CROSS JOIN LATERAL (SELECT ST_Transform(coalesce(s.station, c.town_hall), coalesce(c.metric_srid, 2154)) AS p) m
WHERE s.id = ANY(%s) ORDER BY s.id LIMIT 1
"""


def round_start(service_ids: list[int]) -> tuple[int, tuple[float, float] | None] | None:
    """(metric SRID, start point in it or None), or None when none of the services exists."""
    with connection.cursor() as cursor:
        cursor.execute(_START_SQL, [list(service_ids)])
        row = cursor.fetchone()
    if row is None:
        return None
    srid, x, y = row
    return srid, (None if x is None else (x, y))


def round_stops(*, service_ids: list[int], day: date, time_zone: str) -> list[Stop]:
    """Every home to visit on `day`, with its risk flags, in the round's order."""
    start = round_start(service_ids)
    if start is None:
        return []
    srid, start = start
    day_end = datetime.combine(day + timedelta(days=1), time.min, ZoneInfo(time_zone))
    params = {
        **watched_params(service_ids, day),
        "yesterday": day - timedelta(days=1),
        "published": Alert.Status.PUBLISHED,
        "burglary": Family.BURGLARY,
        "covers": RoutedZone.Reason.COVERS,
        "day_end": day_end,
        "rate_from": day_end - timedelta(days=RATE_DAYS),
        "near_from": day_end - timedelta(days=settings.ALERTS_NEAR_REPEAT_DAYS + 1),
        "near_m": float(settings.ALERTS_NEAR_REPEAT_DISTANCE_M),
        "srid": srid,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ROUND_SQL, params)
        stops = [Stop(*values[:7], row=agent_row(values[7:])) for values in cursor.fetchall()]
    return round_order(stops, start=start)


def _tier(stop: Stop, median_rate: float) -> int:
    if stop.near_repeat:
        return TIER_NEAR_REPEAT
    if stop.carried:
        return TIER_CARRIED
    if stop.rate > median_rate:
        return TIER_HIGH_RATE
    return TIER_OTHER


def round_order(stops: list[Stop], *, start: tuple[float, float] | None) -> list[Stop]:
    """Tiers by risk, each chained by nearest neighbour from where the previous one ended."""
    if not stops:
        return []
    median_rate = float(np.median([stop.rate for stop in stops]))
    for stop in stops:
        stop.tier = _tier(stop, median_rate)
    ordered: list[Stop] = []
    here = np.array(start, dtype=float) if start is not None else None
    for tier in (TIER_NEAR_REPEAT, TIER_CARRIED, TIER_HIGH_RATE, TIER_OTHER):
        members = [stop for stop in stops if stop.tier == tier]
        chain, here = _nearest_neighbour_chain(members, here)
        ordered += chain
    for rank, stop in enumerate(ordered, start=1):
        stop.rank = rank
    return ordered


def _nearest_neighbour_chain(stops: list[Stop], here) -> tuple[list[Stop], object]:
    """Greedy nearest neighbour over the stops from `here` (ties: the first stop in the list).

    Three numpy calls a step: the points are complex numbers, whose modulus is the straight-line
    distance; a chained point becomes infinite, and the arrays are compacted (in order, so ties still
    go to the first stop) each time half of them is spent. Eight times faster than masking 2,000
    points at every step (bench/patrol_round.py), and the same order (tests/patrols/test_rounds.py).
    The legs are measured afterwards, with `hypot`, along the chain."""
    if not stops:
        return [], here
    points = np.array([(stop.x, stop.y) for stop in stops], dtype=float)
    where = points[:, 0] + 1j * points[:, 1]
    index = np.arange(len(stops))
    first = points[0] if here is None else np.asarray(here, dtype=float)[:2]
    centre = complex(first[0], first[1])
    offsets, distances = np.empty_like(where), np.empty(len(where))
    order, spent = [], 0
    for _ in range(len(stops)):
        np.subtract(where, centre, out=offsets)
        np.absolute(offsets, out=distances)
        nearest = int(distances.argmin())
        order.append(int(index[nearest]))
        centre = where[nearest]
        where[nearest] = np.inf
        spent += 1
        if spent * 2 >= len(where) > 64:
            kept = np.isfinite(where)
            where, index = where[kept], index[kept]
            offsets, distances, spent = np.empty_like(where), np.empty(len(where)), 0
    path = np.vstack([first, points[order]])
    legs = np.hypot(path[1:, 0] - path[:-1, 0], path[1:, 1] - path[:-1, 1])
    chain = [stops[i] for i in order]
    for stop, leg in zip(chain, legs.tolist(), strict=True):
        stop.leg_m = leg
    return chain, points[order[-1]]


def round_rows(stops: list[Stop]) -> list[dict]:
    """The stops as rows for agents (patrols.selectors.agent_row), in round order, each with its
    stop's fields (rank, tier, flags, leg)."""
    return [
        {
            **stop.row,
            "absence_id": stop.absence_id,
            "x": stop.x,
            "y": stop.y,
            "near_repeat": stop.near_repeat,
            "carried": stop.carried,
            "rate": stop.rate,
            "visited": stop.visited,
            "tier": stop.tier,
            "rank": stop.rank,
            "leg_m": stop.leg_m,
        }
        for stop in stops
    ]
