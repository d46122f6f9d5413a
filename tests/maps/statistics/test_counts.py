import datetime as dt

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.models import Alert
from maps.statistics import reports
from maps.statistics.counts import (
    EventFilter,
    commune_month_counts,
    covered_month_counts,
    hexagon_counts,
    outside_zones,
    zone_month_counts,
)
from tests.factories import make_commune
from tests.maps.statistics.conftest import BORDER_LON, publish, spread


def zone_totals(town, **kwargs) -> dict[int, int]:
    totals: dict[int, int] = {}
    for zone_id, _family, _month, n, _key in zone_month_counts(
        EventFilter(commune_id=town.id, source="alerts", **kwargs), kind="neighbourhood"
    ):
        totals[zone_id] = totals.get(zone_id, 0) + n
    return totals


def test_point_on_the_border_counts_once_in_each_zone(town, west, east):
    publish(town, [(BORDER_LON, 43.01)] + spread(3, 5.0, BORDER_LON))
    assert zone_totals(town) == {west.id: 4, east.id: 1}
    [(family, month, n, _key)] = commune_month_counts(EventFilter(commune_id=town.id, source="alerts"))
    assert (family, month, n) == ("burglary", dt.date(2024, 6, 1), 4)
    # Counted once when both zones are taken together, as a comparison area is.
    assert (
        covered_month_counts(EventFilter(commune_id=town.id, source="alerts"), zone_ids=[west.id, east.id])[0][2] == 4
    )


def test_only_published_alerts_of_the_family_and_months_count(town, west, east):
    publish(town, spread(2, 5.0, BORDER_LON))
    publish(town, spread(1, 5.0, BORDER_LON), category="tag")
    publish(town, spread(1, 5.0, BORDER_LON), day=dt.date(2023, 1, 10))
    Alert.objects.filter(id=publish(town, [(5.005, 43.005)])[0].id).update(status=Alert.Status.PENDING)
    assert zone_totals(town, family="burglary", start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1)) == {west.id: 2}
    assert zone_totals(town, family="incivility") == {west.id: 1}


# Points on a lattice of the commune that includes the shared border x = 5.01 and the outer edges.
lattice = st.tuples(st.integers(0, 8), st.integers(0, 8)).map(
    lambda ij: (round(5.0 + ij[0] * 0.0025, 4), round(43.0 + ij[1] * 0.0025, 4))
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=st.lists(lattice, max_size=40))
def test_zone_counts_add_up_to_the_commune_plus_border_points(town, west, east, points):
    """Every point of the commune lies in a zone; a point on the West/East border is counted in both,
    so the zones add up to the commune total plus the number of border points."""
    Alert.objects.all().delete()
    publish(town, points)
    totals = zone_totals(town)
    on_border = sum(1 for lon, _lat in points if lon == BORDER_LON)
    assert sum(totals.values()) == len(points) + on_border
    assert totals.get(west.id, 0) == sum(1 for lon, _ in points if lon <= BORDER_LON)
    assert totals.get(east.id, 0) == sum(1 for lon, _ in points if lon >= BORDER_LON)


def test_each_event_counts_in_exactly_one_hexagon(town, west, east):
    points = [(BORDER_LON, 43.01), *spread(30, 5.0, 5.02)]
    publish(town, points)
    rows = hexagon_counts(EventFilter(commune_id=town.id, source="alerts"), srid=town.metric_srid, size=174)
    assert sum(row[2] for row in rows) == len(points)
    assert sum(row[4] for row in rows) == pytest.approx(
        town.boundary.transform(town.metric_srid, clone=True).area, rel=1e-6
    )


def test_hexagon_counts_match_the_hexagons_drawn(town, west, east):
    rng = np.random.default_rng(3)
    points = [(5.0 + 0.02 * x, 43.0 + 0.02 * y) for x, y in rng.random((60, 2))]
    publish(town, points)
    rows = hexagon_counts(EventFilter(commune_id=town.id, source="alerts"), srid=town.metric_srid, size=120)
    for *_ij, n, wkb, _area, _first_half, _key in rows:
        hexagon = shapely.from_wkb(bytes(wkb))
        assert n == sum(hexagon.contains(shapely.Point(p)) for p in points)


def test_months_are_those_of_the_commune_local_time_overseas(db):
    """30 June 2024 at 20:30 UTC is 22:30 in Paris (June) but 00:30 on 1 July in La Réunion."""
    saint_denis = make_commune(code="97411", name="Saint-Denis", bounds=(55.44, -20.90, 55.46, -20.88))
    mainland = make_commune(code="99003", name="Métropole", bounds=(5.10, 43.0, 5.12, 43.02))
    for commune, point in ((saint_denis, (55.45, -20.89)), (mainland, (5.11, 43.01))):
        [alert] = publish(commune, [point])
        Alert.objects.filter(id=alert.id).update(occurred_at=dt.datetime(2024, 6, 30, 20, 30, tzinfo=dt.UTC))

    def months(commune, start, end):
        events = reports.StatisticsQuery(commune=commune, start=start, end=end).events()
        return [month for _family, month, _n, _key in commune_month_counts(events)]

    assert months(saint_denis, dt.date(2024, 6, 1), dt.date(2024, 8, 1)) == [dt.date(2024, 7, 1)]
    assert months(mainland, dt.date(2024, 6, 1), dt.date(2024, 8, 1)) == [dt.date(2024, 6, 1)]
    # The bounds of the period are local too: on the island the alert is in July, not in June.
    assert months(saint_denis, dt.date(2024, 7, 1), dt.date(2024, 8, 1)) == [dt.date(2024, 7, 1)]
    assert months(saint_denis, dt.date(2024, 6, 1), dt.date(2024, 7, 1)) == []


def test_events_outside_every_zone_are_counted_and_a_border_point_is_inside(db):
    from tests.factories import make_neighbourhood

    town = make_commune(code="99005", name="Trou", bounds=(5.0, 43.0, 5.02, 43.02))
    make_neighbourhood(commune=town, name="Ouest", bounds=(5.0, 43.0, 5.01, 43.02))
    publish(town, [(5.005, 43.01), (5.01, 43.01), (5.015, 43.01), (5.016, 43.01)])
    events = EventFilter(commune_id=town.id, source="alerts")
    assert outside_zones(events, kind="neighbourhood")[0] == 2  # 5.01 lies on Ouest's border: inside
