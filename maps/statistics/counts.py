"""Aggregation selectors: every count is one SQL aggregate over the events of one commune.

Counts by zone, outside the zones and for the whole commune, by month, family and type, are read from
the monthly counts the database keeps (`MonthlyCount`, maintained in the transaction of every write),
so their cost follows the number of zones and months, not the years of history; the same figures
counted from the events themselves (`raw_scans()`) are the reference they are tested and rebuilt
against. Hexagons, density bins and arbitrary groups of zones are still counted from the events.

Sources are never added together: each query reads one source, and every row it returns carries
that source. Alerts count when published, by the family of their category, in the month (local time
of the commune) they occurred. police.uk crimes count in their published month at their (snapped) point.
A point lying exactly on the border between two zones is covered by both and counts once in each:
zone totals can add up to more than the commune total, by the number of such border points.

SQL here is assembled only from the constant fragments below; every value is a query parameter."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from psycopg import sql

from alerts.models import AlertCategory, Family
from edge.replica import read_alias
from maps.models import CrimeImportBatch, RecordedCrime

ALERTS = "alerts"
POINT_SOURCES = (ALERTS, RecordedCrime.Source.POLICE_UK.value)

# Each source yields (id, family_key, month, location). For alerts the key is the category id, mapped
# to its family after aggregation: joining the category table row by row cost more than the count.
_EVENTS = {
    ALERTS: """
        SELECT a.id, a.category_id::text AS family_key,
               (date_trunc('month', a.occurred_at AT TIME ZONE %(tz)s))::date AS month, a.location, a.cell_key
        FROM alerts_alert a
        WHERE a.status = 'published' AND a.commune_id = %(commune)s
          AND (%(categories)s::bigint[] IS NULL OR a.category_id = ANY(%(categories)s::bigint[]))
          AND (%(start_at)s::timestamptz IS NULL OR a.occurred_at >= %(start_at)s)
          AND (%(end_at)s::timestamptz IS NULL OR a.occurred_at < %(end_at)s)""",
    RecordedCrime.Source.POLICE_UK.value: """
        SELECT r.id, r.family AS family_key, r.month, r.location, r.cell_key, r.category
        FROM maps_recordedcrime r
        WHERE r.source = 'police-uk' AND r.commune_id = %(commune)s AND r.location IS NOT NULL
          AND (%(family)s::text IS NULL OR r.family = %(family)s)
          AND (%(start)s::date IS NULL OR r.month >= %(start)s)
          AND (%(end)s::date IS NULL OR r.month < %(end)s)""",
}


# The same (group..., events, cell key sum) from the monthly counts: one row per zone or commune, month,
# family key (and crime type), so grouping a few thousand rows replaces scanning the commune's events.
_MONTHLY = """
    SELECT {groups} sum(m.events), sum(m.cell_key_sum) %% 256
    FROM maps_monthlycount m
    LEFT JOIN alerts_alertcategory ac ON m.source = 'alerts' AND ac.id::text = m.family_key
    WHERE m.commune_id = %(commune)s AND m.source = %(source)s AND m.events > 0 AND {place}
      AND (%(keys)s::text[] IS NULL OR m.family_key = ANY(%(keys)s::text[]))
      AND (%(start)s::date IS NULL OR m.month >= %(start)s)
      AND (%(end)s::date IS NULL OR m.month < %(end)s)
    {group_by}"""

# The family of a monthly count's key, as `EventFilter.families_of` gives it: grouping by it in SQL returns a
# fifth of the rows (five families instead of each category).
_FAMILY = "coalesce(ac.family, CASE WHEN m.family_key = ANY(%(families)s) THEN m.family_key END, %(other)s)"

_RAW: ContextVar[bool] = ContextVar("statistics_raw_scans", default=False)


@contextmanager
def raw_scans() -> Iterator[None]:
    """Inside the block, every count is taken from the events themselves instead of the monthly counts:
    the reference the monthly counts must equal."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)


def _month_start_at(month: dt.date | None, time_zone: str) -> dt.datetime | None:
    if month is None:
        return None
    return timezone.make_aware(dt.datetime.combine(month, dt.time()), ZoneInfo(time_zone))


@dataclass(frozen=True)
class EventFilter:
    """Which events: one commune, one point source, optionally one family, months in [start, end).
    Months are those of the commune's local time (`Commune.time_zone`; Paris time by default)."""

    commune_id: int
    source: str
    family: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    time_zone: str | None = None

    def events_sql(self) -> sql.SQL:
        return sql.SQL(_EVENTS[self.source])

    def monthly_sql(self, *, groups: tuple[str, ...], place: str) -> sql.SQL:
        """The monthly counts of these events at one place (zones of a kind, outside them, the commune),
        summed by `groups` (expressions over `m`), or in all when there is none."""
        group_by = "GROUP BY " + ", ".join(str(i + 1) for i in range(len(groups))) if groups else ""
        return sql.SQL(_MONTHLY.format(groups="".join(f"{g}, " for g in groups), place=place, group_by=group_by))

    def params(self, **extra) -> dict:
        categories = keys = None
        if self.source == ALERTS and self.family:
            categories = list(AlertCategory.objects.filter(family=self.family).values_list("id", flat=True))
            keys = [str(pk) for pk in categories]
        elif self.family:
            keys = [self.family]
        time_zone = self.time_zone or settings.TIME_ZONE
        return {
            "tz": time_zone,
            "commune": self.commune_id,
            "source": self.source,
            "family": self.family,
            "categories": categories,
            "keys": keys,
            "families": [family for family in Family.values if self.source != ALERTS],
            "other": Family.OTHER.value,
            "start": self.start,
            "end": self.end,
            "start_at": _month_start_at(self.start, time_zone),
            "end_at": _month_start_at(self.end, time_zone),
            **extra,
        }

    def families_of(self, rows: list[tuple], key_index: int) -> list[tuple]:
        """Rows (..., family key, ..., events, cell key) with the family key replaced by the family, summed
        again by the new key: events add up, cell keys add up modulo 256."""
        if self.source == ALERTS:
            family_of = {str(pk): family for pk, family in AlertCategory.objects.values_list("id", "family")}
        else:
            family_of = {family: family for family in Family.values}
        totals: dict = {}
        for row in rows:
            key = (*row[:key_index], family_of.get(row[key_index], Family.OTHER), *row[key_index + 1 : -2])
            n, cell_key = totals.get(key, (0, 0))
            totals[key] = (n + row[-2], (cell_key + row[-1]) % 256)
        return [(*key, n, cell_key) for key, (n, cell_key) in totals.items()]


def _fetch(query: str | sql.Composable, params: dict) -> list[tuple]:
    """One raw read where statistics read now: the replica when one is usable (edge/replica.py)."""
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # PostGIS declares its functions very costly, so these plans cross PostgreSQL's JIT
        # thresholds; compiling them took longer (1.7 s) than running them.
        cursor.execute("SET LOCAL jit = off")
        # Grouping a commune's 100,000 events by month overflowed the default 4 MB into a sort on
        # disk; in memory the aggregate is hashed, three times faster.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(query, params)
        return cursor.fetchall()


# Within `shared_scans()`, the scans below are made once per request and the other calls are
# answered from them: months are whole groups of the SQL, so keeping the rows of a narrower window
# (or of one family) from a wider scan gives exactly what its own scan would.
_SHARED: ContextVar[dict | None] = ContextVar("statistics_shared_scans", default=None)


@contextmanager
def shared_scans() -> Iterator[None]:
    """One scan of the commune's events per source (every family, every month) and one zone scan per
    family and kind serve all the figures computed inside the block (a page, a report). Nested blocks
    share the outer one's scans."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _inside(month: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or month >= start) and (end is None or month < end)


def _covers(outer: EventFilter, inner: EventFilter) -> bool:
    return (outer.start is None or (inner.start is not None and outer.start <= inner.start)) and (
        outer.end is None or (inner.end is not None and inner.end <= outer.end)
    )


def zone_month_counts(events: EventFilter, *, kind: str) -> list[tuple[int, str, dt.date, int, int]]:
    """(zone id, family, month, events, cell key) for the zones of that kind in the commune.

    ST_Covers of the point by the zone's boundary: a point on the border of two zones counts once
    in each. The zone drives the join (its bounding box on the events' spatial index, then ST_Covers
    with the zone as the repeated, prepared argument), which beats one index probe per event."""
    shared = _SHARED.get()
    if shared is not None:
        scans = shared.setdefault(("zones", replace(events, start=None, end=None), kind), [])
        for window, rows in scans:
            if _covers(window, events):
                return [row for row in rows if _inside(row[2], events.start, events.end)]
        rows = _zone_month_counts(events, kind=kind)
        scans.append((events, rows))
        return rows
    return _zone_month_counts(events, kind=kind)


def _zone_month_counts(events: EventFilter, *, kind: str) -> list[tuple[int, str, dt.date, int, int]]:
    if not _RAW.get():
        query = events.monthly_sql(
            groups=("m.zone_id", _FAMILY, "m.month"), place="m.kind = %(kind)s AND m.zone_id IS NOT NULL"
        )
        return _fetch(query, events.params(kind=kind))
    query = sql.SQL(
        """
        SELECT z.id, e.family_key, e.month, count(*), sum(e.cell_key) %% 256
        FROM zones_zone z
        CROSS JOIN LATERAL (
            SELECT ev.family_key, ev.month, ev.cell_key FROM ({events}) ev
            WHERE ev.location && z.boundary AND ST_Covers(z.boundary, ev.location)
            OFFSET 0
        ) e
        WHERE z.commune_id = %(commune)s AND z.kind = %(kind)s AND z.valid_until IS NULL
        GROUP BY 1, 2, 3"""
    ).format(events=events.events_sql())
    return events.families_of(_fetch(query, events.params(kind=kind)), 1)


def covered_month_counts(events: EventFilter, *, zone_ids: list[int]) -> list[tuple[str, dt.date, int]]:
    """(family, month, events, cell key) for the events covered by at least one of the zones, each once."""
    query = sql.SQL(
        """
        WITH ev AS ({events})
        SELECT ev.family_key, ev.month, count(*), sum(ev.cell_key) %% 256
        FROM ev
        WHERE EXISTS (SELECT 1 FROM zones_zonepart p
                      WHERE p.zone_id = ANY(%(zones)s) AND ST_Covers(p.geom, ev.location))
        GROUP BY 1, 2"""
    ).format(events=events.events_sql())
    return events.families_of(_fetch(query, events.params(zones=list(zone_ids))), 0)


def _commune_scan(events: EventFilter) -> list[tuple[str, str | None, dt.date, int, int]]:
    """(family key, type, month, events, cell key) of the commune's events of the source: the type is
    the police.uk crime type (None for alerts, whose key, the category, is already their type)."""
    category = sql.SQL("NULL::text" if events.source == ALERTS else "ev.category")
    if not _RAW.get():
        query = events.monthly_sql(
            groups=("m.family_key", "NULL::text" if events.source == ALERTS else "m.category", "m.month"),
            place="m.kind = ''",
        )
        return _fetch(query, events.params())
    query = sql.SQL(
        """WITH ev AS ({events})
        SELECT family_key, {category}, month, count(*), sum(cell_key) %% 256 FROM ev GROUP BY 1, 2, 3"""
    ).format(events=events.events_sql(), category=category)
    return _fetch(query, events.params())


def _commune_rows(events: EventFilter) -> list[tuple[str, str | None, dt.date, int, int]]:
    """`_commune_scan(events)`; within `shared_scans()`, cut from one scan of every family and month."""
    shared = _SHARED.get()
    if shared is None:
        return _commune_scan(events)
    whole = replace(events, family=None, start=None, end=None)
    if ("commune", whole) not in shared:
        shared[("commune", whole)] = _commune_scan(whole)
    keys = None
    if events.family:
        keys = set(map(str, events.params()["categories"] or [])) if events.source == ALERTS else {events.family}
    return [
        row
        for row in shared[("commune", whole)]
        if _inside(row[2], events.start, events.end) and (keys is None or row[0] in keys)
    ]


def commune_month_counts(events: EventFilter) -> list[tuple[str, dt.date, int]]:
    """(family, month, events, cell key) for every event of the source in the commune."""
    rows = [(key, month, n, cell_key) for key, _type, month, n, cell_key in _commune_rows(events)]
    return events.families_of(rows, 0)


def first_month(events: EventFilter) -> dt.date | None:
    """The first month with any event of the source in the commune: the start of its history."""
    return min((row[2] for row in _commune_rows(events)), default=None)


def commune_type_counts(events: EventFilter) -> list[tuple[str, str, int, int]]:
    """(family, type, events, cell key) for the commune: alert categories by their label, police.uk crime
    types as published."""
    rows = _commune_rows(events)
    if events.source == ALERTS:
        labels = {
            str(pk): (family, label)
            for pk, family, label in AlertCategory.objects.values_list("id", "family", "label")
        }
        typed = [(*labels[key], n, cell_key) for key, _type, _month, n, cell_key in rows if key in labels]
    else:
        typed = [(key, type_, n, cell_key) for key, type_, _month, n, cell_key in rows]
    return [(*key, n, cell_key) for key, (n, cell_key) in by_key(typed, 2).items()]


def has_source(commune, source: str) -> bool:
    """Whether the commune has any located event of that recorded-crime source."""
    return RecordedCrime.objects.filter(source=source, commune=commune, location__isnull=False).exists()


def ssmsi_yearly(*, commune_id: int, commune_code: str) -> list[tuple[int, str, str, int | None]]:
    """(year, family, indicator, count or None when not diffused) of the SSMSI commune series."""
    return list(
        RecordedCrime.objects.filter(source=RecordedCrime.Source.SSMSI, commune_code=commune_code)
        .order_by("year", "family", "category")
        .values_list("year", "family", "category", "count")
    )


def density_grid(events: EventFilter, *, srid: int, cell: float, margin: float) -> dict:
    """A metric grid of `cell` metres over the commune's bounding box widened by `margin` metres."""
    query = """
        SELECT ST_XMin(b) - %(margin)s, ST_YMin(b) - %(margin)s,
               ceil((ST_XMax(b) - ST_XMin(b) + 2 * %(margin)s) / %(cell)s)::int,
               ceil((ST_YMax(b) - ST_YMin(b) + 2 * %(margin)s) / %(cell)s)::int
        FROM (SELECT ST_Transform(boundary, %(srid)s)::box2d AS b FROM zones_commune WHERE id = %(commune)s) c"""
    x0, y0, nx, ny = _fetch(query, events.params(srid=srid, cell=cell, margin=margin))[0]
    return {"x0": x0, "y0": y0, "nx": nx, "ny": ny, "cell": cell, "srid": srid}


def binned_points(events: EventFilter, *, grid: dict) -> list[tuple[int, int, int]]:
    """(column, row, events) of the non-empty grid cells: raw points never leave the database."""
    query = sql.SQL(
        """
        WITH ev AS ({events}), pts AS (SELECT ST_Transform(location, %(srid)s) AS g FROM ev)
        SELECT floor((ST_X(g) - %(x0)s) / %(cell)s)::int, floor((ST_Y(g) - %(y0)s) / %(cell)s)::int, count(*)
        FROM pts GROUP BY 1, 2"""
    ).format(events=events.events_sql())
    return _fetch(query, events.params(**grid))


def commune_metric_area(commune_id: int, srid: int) -> float:
    return _fetch(
        "SELECT ST_Area(ST_Transform(boundary, %(srid)s)) FROM zones_commune WHERE id = %(commune)s",
        {"srid": srid, "commune": commune_id},
    )[0][0]


def hexagon_counts(events: EventFilter, *, srid: int, size: float, split: dt.date | None = None) -> list[tuple]:
    """(i, j, events, hexagon as WKB in 4326, its area in the commune in m², events before the month
    `split`, cell key) for every hexagon of
    ST_HexagonGrid (edge `size` metres, in the commune's metric projection) touching the commune,
    empty ones included: Gi* needs the zeros.

    Each event counts in exactly one hexagon, the one containing it, found arithmetically instead of
    by a spatial join of every point with every cell: ST_HexagonGrid puts column i at x = 1.5 size i
    and row j at y = sqrt(3) size (j + 1/2 if i is odd), i.e. flat-topped axial coordinates q = i,
    r = j - floor(i / 2); the point's fractional axial coordinates are rounded in cube coordinates
    (the standard exact rounding for hexagonal grids). A point exactly on an edge goes to one side."""
    query = sql.SQL(
        """
        WITH c AS (SELECT ST_Transform(boundary, %(srid)s) AS g FROM zones_commune WHERE id = %(commune)s),
        hex AS (
            SELECT h.i, h.j, ST_Transform(h.geom, 4326) AS geom4326,
                   CASE WHEN ST_Covers(c.g, h.geom) THEN ST_Area(h.geom)
                        ELSE ST_Area(ST_Intersection(h.geom, c.g)) END AS area
            FROM c, ST_HexagonGrid(%(size)s, c.g) h WHERE ST_Intersects(h.geom, c.g)
        ),
        ev AS ({events}),
        pts AS (SELECT ST_X(p.g) / (1.5 * %(size)s) AS qf, ST_Y(p.g) / %(height)s - ST_X(p.g) / (3 * %(size)s) AS rf,
                       ev.month, ev.cell_key
                FROM ev CROSS JOIN LATERAL (SELECT ST_Transform(ev.location, %(srid)s) AS g) p),
        rounded AS (SELECT qf, rf, month, cell_key, round(qf) AS rq, round(rf) AS rr, round(-qf - rf) AS rs FROM pts),
        nearest AS (
            SELECT CASE WHEN abs(rq - qf) > abs(rr - rf) AND abs(rq - qf) > abs(rs + qf + rf) THEN -rr - rs
                        ELSE rq END::int AS q,
                   CASE WHEN abs(rq - qf) > abs(rr - rf) AND abs(rq - qf) > abs(rs + qf + rf) THEN rr
                        WHEN abs(rs + qf + rf) > abs(rr - rf) THEN rr
                        ELSE -rq - rs END::int AS r, month, cell_key
            FROM rounded
        ),
        cells AS (SELECT q AS i, r + floor(q / 2.0)::int AS j, month, cell_key FROM nearest),
        counted AS (SELECT i, j, count(*) AS n, count(*) FILTER (WHERE month < %(split)s) AS first_half,
                           sum(cell_key) %% 256 AS cell_key
                    FROM cells GROUP BY i, j)
        SELECT hex.i, hex.j, coalesce(counted.n, 0), ST_AsBinary(hex.geom4326), hex.area,
               coalesce(counted.first_half, 0), coalesce(counted.cell_key, 0)
        FROM hex LEFT JOIN counted USING (i, j) ORDER BY hex.i, hex.j"""
    ).format(events=events.events_sql())
    return _fetch(query, events.params(srid=srid, size=size, height=size * 3**0.5, split=split))


def by_key(rows, key_len: int) -> dict:
    """(events, cell key) of rows (..., events, cell key) summed by their first `key_len` columns."""
    totals: dict = {}
    for row in rows:
        n, cell_key = totals.get(tuple(row[:key_len]), (0, 0))
        totals[tuple(row[:key_len])] = (n + row[-2], (cell_key + row[-1]) % 256)
    return totals


def ssmsi_department_years(*, prefix: str, years: list[int]) -> list[tuple[str, int, str, int | None, int | None]]:
    """(commune code, year, family, events or None when any figure of the family is not diffused,
    population) for every commune of the SSMSI file whose code starts with `prefix` (a département)."""
    query = """
        SELECT commune_code, year, family, CASE WHEN bool_or(count IS NULL) THEN NULL ELSE sum(count) END::int,
               max(population)
        FROM maps_recordedcrime
        WHERE source = 'ssmsi' AND commune_code LIKE %(prefix)s AND year = ANY(%(years)s)
        GROUP BY 1, 2, 3"""
    return _fetch(query, {"prefix": prefix.replace("%", "").replace("_", "") + "%", "years": list(years)})


def months_with_data(events: EventFilter) -> list[dt.date]:
    """The months of the period holding at least one event of the source in the commune: for recorded
    crime, the months whose file was imported (a month without any row reads "pas de données", not 0)."""
    return sorted({row[2] for row in _commune_rows(events)})


def outside_zones(events: EventFilter, *, kind: str) -> tuple[int, int]:
    """(events, cell key) of the commune's events covered by no zone of that kind.

    The part of the commune outside every zone is computed once; only events strictly inside it
    (ST_Contains: a point on a zone's border belongs to that zone) are counted, so when the zones tile
    the commune nothing is probed event by event."""
    if not _RAW.get():
        query = events.monthly_sql(groups=(), place="m.kind = %(kind)s AND m.zone_id IS NULL")
        events_outside, cell_key = _fetch(query, events.params(kind=kind))[0]
        return events_outside or 0, cell_key or 0
    # MATERIALIZED: referenced once, the part outside the zones would otherwise be inlined into the
    # join and computed again for every event (0.8 s for 1,500 alerts of a real commune's outline).
    query = sql.SQL(
        """
        WITH rest AS MATERIALIZED (
            SELECT ST_Difference(c.boundary, coalesce(
                (SELECT ST_Union(z.boundary) FROM zones_zone z
                 WHERE z.commune_id = c.id AND z.kind = %(kind)s AND z.valid_until IS NULL),
                'GEOMETRYCOLLECTION EMPTY'::geometry)) AS g
            FROM zones_commune c WHERE c.id = %(commune)s
        ),
        ev AS ({events})
        SELECT count(*), coalesce(sum(ev.cell_key) %% 256, 0)
        FROM ev, rest WHERE NOT ST_IsEmpty(rest.g) AND ev.location && rest.g AND ST_Contains(rest.g, ev.location)"""
    ).format(events=events.events_sql())
    return tuple(_fetch(query, events.params(kind=kind))[0])


def rows_without_location(source: str) -> int:
    """Rows of that recorded-crime source imported without coordinates: they count in no commune or zone."""
    return sum(CrimeImportBatch.objects.filter(source=source).values_list("rows_without_location", flat=True))


_FINGERPRINT = """
    SELECT concat_ws(':',
        (SELECT count(*) || '-' || coalesce(sum(xmin::text::bigint), 0) FROM maps_monthlycount
         WHERE commune_id = %(commune)s),
        (SELECT count(*) || '-' || coalesce(sum(xmin::text::bigint), 0) FROM maps_recordedcrime
         WHERE commune_id = %(commune)s),
        (SELECT count(*) || '-' || coalesce(sum(xmin::text::bigint), 0) FROM zones_zone
         WHERE commune_id = %(commune)s),
        (SELECT xmin::text FROM zones_commune WHERE id = %(commune)s),
        (SELECT count(*) || '-' || coalesce(sum(xmin::text::bigint), 0) FROM alerts_alertcategory),
        (SELECT coalesce(max(id), 0) FROM maps_crimeimportbatch))"""


def statistics_fingerprint(commune_id: int) -> str:
    """A value that changes whenever anything the commune's statistics read changes: its published
    alerts, recorded crimes, zones and own row, the categories' families, and any crime import (the
    evaluation compares with other communes). Each row's `xmin` is the transaction that last wrote
    it, so the sum moves with every insert, update or delete, whatever wrote it (ORM, bulk SQL, COPY),
    on the primary and on its replicas alike. Published alerts are seen through their monthly counts:
    any write that changes what the statistics read of an alert (its status, category, commune, time,
    place or cell key) rewrites at least the commune's row of its month, even when the counts come back
    to the same values, so a few thousand rows are read instead of every published alert."""
    return _fetch(_FINGERPRINT, {"commune": commune_id})[0][0]
