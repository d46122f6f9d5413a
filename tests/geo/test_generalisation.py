import math

import pytest
from django.contrib.gis.geos import Point
from pyproj import Transformer

from alerts.models import Alert
from geo.generalisation import GridCellCentre
from tests.factories import make_alert, make_commune

TO_METRIC = Transformer.from_crs(4326, 2154, always_xy=True)
TO_LONLAT = Transformer.from_crs(2154, 4326, always_xy=True)


@pytest.fixture
def commune(db):
    commune = make_commune(bounds=(5.0, 43.0, 5.05, 43.05))
    assert commune.metric_srid == 2154
    return commune


def generalised(alert, grid_m=250) -> Point:
    return (
        Alert.objects.annotate(g=GridCellCentre("location", "commune__metric_srid", grid_m))
        .values_list("g", flat=True)
        .get(id=alert.id)
    )


def alert_at_metric(commune, x: float, y: float):
    lon, lat = TO_LONLAT.transform(x, y)
    return make_alert(commune=commune, location=Point(lon, lat, srid=4326))


def metric(point: Point) -> tuple[float, float]:
    return TO_METRIC.transform(point.x, point.y)


def test_the_same_alert_always_lands_on_the_same_point(commune):
    alert = make_alert(commune=commune, location=Point(5.01234, 43.01234, srid=4326))

    first, second = generalised(alert), generalised(alert)

    assert (first.x, first.y) == (second.x, second.y)
    assert (first.x, first.y) != (alert.location.x, alert.location.y)


def test_a_point_moves_to_the_centre_of_its_own_250_m_cell(commune):
    alert = make_alert(commune=commune, location=Point(5.01234, 43.01234, srid=4326))
    x, y = metric(alert.location)

    gx, gy = metric(generalised(alert))

    assert gx == pytest.approx((math.floor(x / 250) + 0.5) * 250, abs=0.001)
    assert gy == pytest.approx((math.floor(y / 250) + 0.5) * 250, abs=0.001)
    assert abs(gx - x) <= 125 and abs(gy - y) <= 125


def test_two_neighbours_in_one_cell_share_a_point_and_a_neighbour_cell_does_not(commune):
    base_x, base_y = 900_000.0 + 250 * 4, 6_230_000.0 + 250 * 4
    same_a = alert_at_metric(commune, base_x + 10, base_y + 10)
    same_b = alert_at_metric(commune, base_x + 240, base_y + 200)
    next_cell = alert_at_metric(commune, base_x + 260, base_y + 10)

    a, b, c = (metric(generalised(alert)) for alert in (same_a, same_b, next_cell))

    assert a == pytest.approx(b, abs=0.001)
    assert a == pytest.approx((base_x + 125, base_y + 125), abs=0.001)
    assert c == pytest.approx((base_x + 375, base_y + 125), abs=0.001)


def test_a_point_exactly_on_a_grid_line_belongs_to_the_cell_east_and_north_of_it(commune):
    line_x, line_y = 901_000.0, 6_231_000.0  # both multiples of 250 m: a grid node
    on_vertical_line = alert_at_metric(commune, line_x, line_y + 100)
    on_node = alert_at_metric(commune, line_x, line_y)
    just_west = alert_at_metric(commune, line_x - 0.01, line_y + 100)

    assert metric(generalised(on_vertical_line)) == pytest.approx((line_x + 125, line_y + 125), abs=0.001)
    assert metric(generalised(on_node)) == pytest.approx((line_x + 125, line_y + 125), abs=0.001)
    assert metric(generalised(just_west)) == pytest.approx((line_x - 125, line_y + 125), abs=0.001)


def test_the_grid_side_is_a_parameter(commune):
    alert = alert_at_metric(commune, 901_010.0, 6_231_010.0)

    assert metric(generalised(alert, grid_m=500)) == pytest.approx((901_250.0, 6_231_250.0), abs=0.001)


def test_a_grid_side_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="positive"):
        GridCellCentre("location", "commune__metric_srid", 0)
