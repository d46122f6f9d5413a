"""Vector tiles, decoded with an independent decoder (mapbox-vector-tile): the right features and
properties at several zooms, and never an alert's exact point for anyone but a police agent of
the commune."""

import math

import mapbox_vector_tile
import pytest
from django.test import Client

from geo.tiles import EXTENT
from tests.auth import resident_client, staff_client
from tests.factories import make_commune


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def lon_lat(tile: tuple[int, int, int], px: float, py: float) -> tuple[float, float]:
    """A point of the decoded tile back to lon/lat (the decoder gives y upwards from the bottom)."""
    z, x, y = tile
    n = 2**z
    lon = (x + px / EXTENT) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1 - py / EXTENT) / n))))
    return lon, lat


def get_tile(client, collection: str, tile):
    z, x, y = tile
    return client.get(f"/tiles/{collection}/{z}/{x}/{y}.pbf")


def decoded(response, layer: str) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content).get(layer, {}).get("features", [])


@pytest.mark.parametrize("z", [8, 12, 14])
def test_communes_tiles_hold_each_commune_with_its_properties(standards, z):
    features = decoded(get_tile(Client(), "communes", tile_of(5.01, 43.01, z)), "communes")

    by_code = {feature["properties"]["code"]: feature for feature in features}
    assert by_code["99001"]["properties"]["name"] == "Testville"
    assert by_code["99001"]["properties"]["joined"] is True
    assert by_code["99001"]["id"] == standards.world.commune.id
    assert by_code["99001"]["geometry"]["type"] == "Polygon"


def test_a_commune_polygon_lands_where_the_commune_is(standards):
    tile = tile_of(5.01, 43.01, 10)  # a tile holding the whole commune

    features = decoded(get_tile(Client(), "communes", tile), "communes")
    (feature,) = [f for f in features if f["id"] == standards.world.commune.id]
    ring = feature["geometry"]["coordinates"][0]
    lons, lats = zip(*(lon_lat(tile, px, py) for px, py in ring), strict=True)

    # The test commune is the box 5.0-5.02, 43.0-43.02; a tile unit at zoom 10 is about 9.6 m.
    assert min(lons) == pytest.approx(5.0, abs=2e-4) and max(lons) == pytest.approx(5.02, abs=2e-4)
    assert min(lats) == pytest.approx(43.0, abs=2e-4) and max(lats) == pytest.approx(43.02, abs=2e-4)


def test_below_zoom_8_only_joined_communes_are_drawn(standards):
    make_commune(code="99003", name="Horsville", bounds=(5.03, 43.0, 5.05, 43.02))

    low = {
        f["properties"]["code"] for f in decoded(get_tile(Client(), "communes", tile_of(5.01, 43.01, 6)), "communes")
    }
    high = {
        f["properties"]["code"] for f in decoded(get_tile(Client(), "communes", tile_of(5.01, 43.01, 9)), "communes")
    }

    assert low == {"99001", "99002"}
    assert high == {"99001", "99002", "99003"}


def test_a_tile_far_away_is_empty(standards):
    assert decoded(get_tile(Client(), "communes", tile_of(-60.0, -20.0, 10)), "communes") == []


def test_zone_layers(standards):
    tile = tile_of(5.01, 43.01, 12)

    neighbourhoods = decoded(get_tile(Client(), "neighbourhoods", tile), "neighbourhoods")
    sectors = decoded(get_tile(Client(), "police_sectors", tile), "police_sectors")

    assert [f["properties"] for f in neighbourhoods] == [{"name": "Centre", "commune_code": "99001"}]
    assert {f["properties"]["police_service_name"] for f in sectors} == {"PM Testville"}


def _alert_points(client, standards, z=14):
    tile = tile_of(5.00412, 43.00631, z)
    features = decoded(get_tile(client, "alerts", tile), "alerts")
    return {f["id"]: (f, lon_lat(tile, *f["geometry"]["coordinates"])) for f in features}


def test_anonymous_and_residents_get_the_grid_cell_centre_never_the_exact_point(standards):
    for client in (Client(), resident_client(standards.world.resident)):
        points = _alert_points(client, standards)
        feature, (lon, lat) = points[standards.published.id]

        assert feature["properties"]["category_code"] == "cambriolage"
        assert feature["properties"]["commune_code"] == "99001"
        exact = standards.published.location
        assert abs(lon - exact.x) > 1e-4 or abs(lat - exact.y) > 1e-4
        assert standards.pending.id not in points and standards.rejected.id not in points


def test_the_police_agent_of_the_commune_gets_the_exact_point_uncached(standards):
    client = staff_client(standards.world.agent)
    tile = tile_of(5.00412, 43.00631, 14)

    response = get_tile(client, "alerts", tile)
    feature = next(f for f in decoded(response, "alerts") if f["id"] == standards.published.id)
    lon, lat = lon_lat(tile, *feature["geometry"]["coordinates"])

    # One unit of a zoom-14 tile is about 1.8 m: the exact point, to the grid's precision.
    assert lon == pytest.approx(standards.published.location.x, abs=3e-5)
    assert lat == pytest.approx(standards.published.location.y, abs=3e-5)
    assert response["Cache-Control"] == "private, no-store"


def test_the_other_communes_agent_gets_only_the_grid_cell(standards):
    points = _alert_points(staff_client(standards.world.other_agent), standards)
    _, (lon, lat) = points[standards.published.id]
    anonymous = _alert_points(Client(), standards)[standards.published.id][1]

    assert (lon, lat) == anonymous


def test_public_tiles_are_cached_with_headers_and_revalidated(standards, django_assert_num_queries):
    tile = tile_of(5.01, 43.01, 12)
    first = get_tile(Client(), "communes", tile)

    with django_assert_num_queries(0):
        again = get_tile(Client(), "communes", tile)
    z, x, y = tile
    unchanged = Client().get(f"/tiles/communes/{z}/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.content == first.content
    assert first["Cache-Control"].startswith("public, max-age=")
    assert unchanged.status_code == 304


def test_a_publication_forgets_the_cached_alert_tiles(standards):
    from alerts.signals import alert_published

    before = _alert_points(Client(), standards, z=11)  # a tile holding both alerts
    standards.pending.status = "published"
    standards.pending.save(update_fields=["status"])
    alert_published.send(sender=None, alert_id=standards.pending.id)

    after = _alert_points(Client(), standards, z=11)
    assert standards.published.id in before and standards.pending.id not in before
    assert standards.pending.id in after


@pytest.mark.parametrize(
    "url",
    ["/tiles/communes/3/8/0.pbf", "/tiles/communes/23/0/0.pbf", "/tiles/communes/2/-1/0.pbf"],
)
def test_tiles_outside_the_grid_are_refused_or_not_found(standards, url):
    response = Client().get(url)

    assert response.status_code in (400, 404)


def test_an_unknown_layer_is_not_found(standards):
    assert Client().get("/tiles/secrets/1/0/0.pbf").status_code == 404
    assert Client().get("/tiles/secrets.json").status_code == 404


def test_tilejson_describes_the_layer(standards):
    body = Client().get("/tiles/communes.json").json()

    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == ["http://testserver/tiles/communes/{z}/{x}/{y}.pbf"]
    assert body["vector_layers"][0]["id"] == "communes"
    assert set(body["vector_layers"][0]["fields"]) == {"code", "name", "population", "joined"}


def test_a_new_police_sector_or_a_redrawn_commune_shows_at_once_in_the_cached_tiles(standards):
    from tests.factories import make_police_sector

    world = standards.world
    tile = tile_of(5.005, 43.005, 14)
    before = decoded(get_tile(Client(), "police_sectors", tile), "police_sectors")
    communes_before = decoded(get_tile(Client(), "communes", tile), "communes")
    make_police_sector(
        service=world.service, commune=world.commune, name="Secteur neuf", bounds=(5.0, 43.0, 5.01, 43.01)
    )
    world.commune.name = "Testville-sur-Mer"
    world.commune.save(update_fields=["name"])

    after = decoded(get_tile(Client(), "police_sectors", tile), "police_sectors")
    communes = decoded(get_tile(Client(), "communes", tile), "communes")
    assert "Secteur neuf" not in {f["properties"]["name"] for f in before}
    assert "Secteur neuf" in {f["properties"]["name"] for f in after}
    assert "Testville-sur-Mer" not in {f["properties"]["name"] for f in communes_before}
    assert "Testville-sur-Mer" in {f["properties"]["name"] for f in communes}
