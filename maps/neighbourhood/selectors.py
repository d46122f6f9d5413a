"""Reads behind the resident's neighbourhood map, shaped for the page: plain rows, no serializer.

The page is one of the two every resident opens most (#20). Building these queries through the ORM
cost more Python per request than PostgreSQL spent answering them (about 2.4 ms to compile the
alerts' query, 0.6 ms to run it), so each is written once per process as SQL with the same tables,
the same rules and the same generalisation as maps.live.selectors.resident_alerts, which the API
keeps behind its djangorestframework-gis serializer. A test holds the page's alerts equal to the
API's features.

The SQL strings are assembled from the constant fragments and table names of this file only; every
value is a query parameter."""

# ruff: noqa: S608

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Residence, ResidenceNeighbourhood
from alerts.models import Alert, AlertCategory
from alerts.structured import structured_summary
from delivery.models import Broadcast, Delivery
from geo.generalisation import GridCellCentre
from zones.models import Commune, Zone


@dataclass(frozen=True)
class ResidentArea:
    """The neighbourhoods of the home, in name order (empty when it lies in none), and the box
    around them, (west, south, east, north)."""

    names: list[str]
    keys: list[str]  # "commune code/zone name", as the vector tiles name a zone
    extent: tuple[float, float, float, float] | None


# The home's current neighbourhoods (maps.live.selectors.resident_neighbourhoods): both sides of a
# shared border for a home on it.
NEIGHBOURHOODS_SQL = f"""
    SELECT zone.id, zone.name, zone.commune_id, zone.boundary
      FROM {Zone._meta.db_table} zone
      JOIN {ResidenceNeighbourhood._meta.db_table} membership ON membership.zone_id = zone.id
     WHERE membership.residence_id = %s AND zone.valid_until IS NULL"""

AREA_SQL = f"""
    SELECT coalesce(array_agg(zone.name ORDER BY zone.name), '{{}}'),
           coalesce(array_agg(commune.code ORDER BY zone.name), '{{}}'),
           ST_XMin(ST_Extent(zone.boundary)), ST_YMin(ST_Extent(zone.boundary)),
           ST_XMax(ST_Extent(zone.boundary)), ST_YMax(ST_Extent(zone.boundary))
      FROM ({NEIGHBOURHOODS_SQL}) zone
      JOIN {Commune._meta.db_table} commune ON commune.id = zone.commune_id"""


def resident_area(residence: Residence) -> ResidentArea:
    """Names, tile keys and extent of the home's neighbourhoods, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(AREA_SQL, [residence.id])
        names, codes, *extent = cursor.fetchone()
    keys = [f"{code}/{name}" for code, name in zip(codes, names, strict=True)]
    return ResidentArea(names=names, keys=keys, extent=tuple(extent) if names else None)


# Whether an alert lies in the area: covered by the union of the home's neighbourhoods (or by its
# commune when it lies in none), so an alert on a border is in. The union is an InitPlan, built once
# per query and prepared by PostGIS for the alerts it tests: asking each alert of the commune
# whether a subdivided part covers it cost four times as much PostgreSQL time (2.5 against 0.6 ms
# for Tarascon's 300 alerts of the month) and grows with the commune's alerts.
IN_NEIGHBOURHOODS_SQL = f"""
    ST_CoveredBy(alert.location, (SELECT ST_Union(zone.boundary) FROM ({NEIGHBOURHOODS_SQL}) zone))"""
IN_COMMUNE_SQL = "ST_CoveredBy(alert.location, commune.boundary)"


@cache
def alerts_sql(*, in_neighbourhoods: bool, grid_m: int) -> tuple[str, list]:
    """The query and its fixed parameters. The exact location is only read inside the database, to
    place the alert in its grid cell (geo.generalisation.GridCellCentre, the same expression as the
    API's) and in the area: the rows carry the cell's centre only."""
    compiler = Alert.objects.none().query.get_compiler(connection=connection)
    cell_sql, cell_params = GridCellCentre(
        RawSQL("alert.location", ()), RawSQL("commune.metric_srid", ()), grid_m
    ).as_sql(compiler, connection)
    sql = f"""
        SELECT alert.id, alert.author_id, alert.occurred_at, alert.description, alert.behaviour,
               alert.vehicle_type, alert.vehicle_colour, alert.direction, alert.follow_up,
               category.label, category.family, ST_X(cell.centre), ST_Y(cell.centre)
          FROM {Alert._meta.db_table} alert
          JOIN {AlertCategory._meta.db_table} category ON category.id = alert.category_id
          JOIN {Commune._meta.db_table} commune ON commune.id = alert.commune_id
          CROSS JOIN LATERAL (SELECT {cell_sql} AS centre) cell
         WHERE alert.status = %s AND alert.published_at >= %s
           AND ((alert.commune_id = %s AND {IN_NEIGHBOURHOODS_SQL if in_neighbourhoods else IN_COMMUNE_SQL})
                OR alert.author_id = %s)
         ORDER BY alert.published_at DESC, alert.id DESC"""
    return sql, [*cell_params, Alert.Status.PUBLISHED]


ALERT_FIELDS = (
    "id",
    "author_id",
    "occurred_at",
    "description",
    "behaviour",
    "vehicle_type",
    "vehicle_colour",
    "direction",
    "follow_up",
)


def resident_map_alerts(residence: Residence, *, has_neighbourhoods: bool, days: int | None = None) -> list[dict]:
    """The alerts of maps.live.selectors.resident_alerts (published in the last days in the home's
    neighbourhoods, or its commune when it lies in none, and the resident's own), newest first, as
    the rows the page shows: the centre of each alert's grid cell, never its place; the follow-up
    of the resident's own alerts only."""
    sql, params = alerts_sql(in_neighbourhoods=has_neighbourhoods, grid_m=settings.MAPS_RESIDENT_GRID_M)
    since = timezone.now() - timedelta(days=days or settings.MAPS_RESIDENT_DAYS)
    with connection.cursor() as cursor:
        area_params = [residence.id] if has_neighbourhoods else []
        cursor.execute(sql, [*params, since, residence.commune_id, *area_params, residence.user_id])
        return [_alert_row(row, user_id=residence.user_id) for row in cursor.fetchall()]


def _alert_row(row: tuple, *, user_id: int) -> dict:
    *fields, label, family, lon, lat = row
    category = AlertCategory(label=label, family=family)
    alert = Alert(**dict(zip(ALERT_FIELDS, fields, strict=True)), category=category)
    is_own = alert.author_id == user_id
    return {
        "id": alert.id,
        "lon": lon,
        "lat": lat,
        "category_label": category.display_label,
        "family": family,
        "occurred_on": timezone.localdate(alert.occurred_at).isoformat(),
        "description": alert.description,
        "details": structured_summary(alert),
        "is_own": is_own,
        "follow_up_label": alert.get_follow_up_display() if is_own else None,
    }


# The town hall's messages to the resident over the same window as the alerts. Through the ORM, the
# query cost 0.9 ms of Python on every page, even with no message to show.
BROADCASTS_SQL = f"""
    SELECT broadcast.id, broadcast.kind, broadcast.title, broadcast.body, broadcast.created_at
      FROM {Broadcast._meta.db_table} broadcast
      JOIN {Delivery._meta.db_table} delivery ON delivery.broadcast_id = broadcast.id
     WHERE delivery.recipient_id = %s AND delivery.kind = %s AND broadcast.created_at >= %s
     ORDER BY broadcast.created_at DESC
     LIMIT %s"""


def resident_map_broadcasts(residence: Residence, *, limit: int = 20) -> list[Broadcast]:
    """The messages the town hall sent to this resident in the map's window, newest first: read
    through their deliveries, so a message to other neighbourhoods or an area elsewhere never shows.
    Only what the page shows is read."""
    since = timezone.now() - timedelta(days=settings.MAPS_RESIDENT_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(BROADCASTS_SQL, [residence.user_id, Delivery.Kind.BROADCAST, since, limit])
        return [
            Broadcast(id=id, kind=kind, title=title, body=body, created_at=created_at)
            for id, kind, title, body, created_at in cursor.fetchall()
        ]
