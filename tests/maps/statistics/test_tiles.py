"""Statistics layers as vector tiles (maps/statistics/tiles.py), decoded with an independent decoder
(mapbox-vector-tile): the tiles hold what the GeoJSON layers publish and nothing finer (perturbed
zone counts, hexagon bands, no exact per-hexagon count, z-score or p-value), for the commune's staff only."""

import mapbox_vector_tile
import pytest

from accounts.models import Role
from tests.auth import staff_client
from tests.factories import UserFactory, make_commune, make_role
from tests.maps.statistics.test_apis import get_json, history, mayor  # noqa: F401 - fixtures
from tests.standards.test_vector_tiles import tile_of

FILTERS = {"commune": "99001", "from": "2024-01"}


def tile_features(client, layer: str, z: int = 11, **params) -> list[dict]:
    _z, x, y = tile_of(5.01, 43.01, z)
    response = client.get(f"/api/statistics/tiles/{layer}/{z}/{x}/{y}.pbf", {**FILTERS, **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"].startswith("private")
    return mapbox_vector_tile.decode(response.content).get(layer, {}).get("features", [])


def test_zone_rates_tiles_carry_the_published_figures(mayor, town, west, east, history):  # noqa: F811
    published = get_json(mayor, "/api/statistics/zones/", **FILTERS)["totals"]
    features = tile_features(mayor, "zones")

    shown = {(f["properties"]["zone"], f["properties"]["family"]): f["properties"] for f in features}
    assert shown and set(shown) == {(row["zone"], row["family"]) for row in published}
    for row in published:
        properties = shown[(row["zone"], row["family"])]
        assert properties["count_display"] == row["count_display"]
        assert properties.get("rate_per_1000_per_year") == pytest.approx(row["rate_per_1000_per_year"])
    assert "count" not in {key for f in features for key in f["properties"]}


def test_hexagon_tiles_hold_bands_and_labels_never_counts(mayor, town, west, east, history):  # noqa: F811
    published = get_json(mayor, "/api/statistics/hexagons/", **FILTERS)["features"]
    for z in (11, 14):
        features = tile_features(mayor, "hexagons", z=z)
        assert {key for f in features for key in f["properties"]} <= {"count_band", "spot", "place"}
        assert {f["properties"]["count_band"] for f in features} <= {"< 5", "5-9", "10-19", "20-49", "50+"}
    features = tile_features(mayor, "hexagons")
    assert len(features) == len(published)
    assert sorted(f["properties"]["count_band"] for f in features) == sorted(
        f["properties"]["count_band"] for f in published
    )
    density = tile_features(mayor, "density")
    assert density and {key for f in density for key in f["properties"]} == {"level", "level_label"}


def test_statistics_tiles_are_for_the_commune_staff_only(client, town):
    url = "/api/statistics/tiles/zones/11/1052/748.pbf"
    assert client.get(url, {"commune": "99001"}).status_code == 403
    other = make_commune(code="99002", name="Ailleurs", bounds=(6.0, 44.0, 6.02, 44.02))
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=other)
    assert staff_client(user).get(url, {"commune": "99001"}).status_code == 404
    own = UserFactory()
    make_role(user=own, kind=Role.Kind.MAYOR, commune=town)
    own_client = staff_client(own)
    assert own_client.get("/api/statistics/tiles/nope/11/1052/748.pbf", {"commune": "99001"}).status_code == 404
    bad = own_client.get("/api/statistics/tiles/zones/11/5000/748.pbf", {"commune": "99001"})
    assert bad.status_code == 400 and "x et y" in bad.content.decode()
