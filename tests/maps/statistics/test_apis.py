import csv
import datetime as dt
import io
import json

import pyogrio
import pytest

from accounts.models import Role
from maps.statistics import protection, reports
from maps.statistics.disclosure import derivable
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_commune, make_resident, make_role
from tests.maps.statistics.conftest import BORDER_LON, publish, spread


@pytest.fixture
def mayor(town):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town)
    return staff_client(user)


@pytest.fixture
def history(town, west, east):
    """West: 60 burglaries the year before adoption (March 2025), 30 after; East: 3 then 1."""
    for month in range(12):
        publish(town, spread(5, 5.0, BORDER_LON), day=dt.date(2024, 3, 1) + dt.timedelta(days=30 * month + 5))
    for month in range(6):
        publish(town, spread(5, 5.0, BORDER_LON), day=dt.date(2025, 3, 1) + dt.timedelta(days=30 * month + 5))
    publish(town, spread(3, BORDER_LON, 5.02), day=dt.date(2024, 6, 10))
    publish(town, spread(1, BORDER_LON, 5.02), day=dt.date(2025, 6, 10))


def get_json(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_zone_statistics_publish_counts_rates_and_hide_small_cells(mayor, town, west, east, history):
    data = get_json(
        mayor, "/api/statistics/zones/", commune="99001", family="burglary", **{"from": "2024-03", "to": "2026-02"}
    )
    totals = {row["zone"]: row for row in data["totals"]}
    assert data["commune_totals"] == [{"family": "burglary", "count": 94, "count_display": "94"}]
    # East's "< 5" would be 94 - 90: West's total is hidden too (the commune's is kept).
    assert totals["Ouest"]["count"] is None and totals["Ouest"]["count_display"] == "masqué"
    assert totals["Ouest"]["rate_per_1000_per_year"] is None and totals["Ouest"]["rate_basis"] == "ménages"
    assert reports.annual_rate(90, {"households": 1000}, 24) == (45.0, "ménages")  # 90 in 2 years, 1,000 homes
    assert totals["Est"]["count"] is None and totals["Est"]["count_display"] == "< 5"
    assert totals["Est"]["rate_per_1000_per_year"] is None
    assert {row["count_display"] for row in data["months"] if row["zone"] == "Est"} == {"< 5"}
    assert "ST_Covers" in data["method"] and data["source"] == "alerts"


def test_before_after_api(mayor, town, west, east, history):
    data = get_json(mayor, "/api/statistics/before-after/", commune="99001", family="burglary")
    assert data["reference"] == "2025-03-01" and data["before"][0] == "2024-03-01"
    commune_row = next(row for row in data["rows"] if row["zone_id"] is None)
    assert (commune_row["before"], commune_row["after"]) == (63, 31)
    assert commune_row["sentence"].startswith("baisse de 51 % (IC 95 % : ") and commune_row["significant"]
    # West = commune - East: publishing it would give East's "< 5" back.
    west_row = next(row for row in data["rows"] if row["zone"] == "Ouest")
    assert (west_row["before"], west_row["after"]) == (None, None) and west_row["before_display"] == "masqué"
    assert west_row["ratio"] is None and west_row["sentence"].startswith("évolution non publiée")
    east_row = next(row for row in data["rows"] if row["zone"] == "Est")
    assert east_row["insufficient"] and east_row["before_display"] == "< 5" and east_row["ratio"] is None
    # The rest of the commune (East) is too small for a comparison to be published.
    assert west_row["comparison"]["published"] is False


def test_heatmap_and_hexagons_are_grids_without_raw_points(mayor, town, west, east, history):
    heat = get_json(mayor, "/api/statistics/heatmap/", commune="99001", **{"from": "2024-01"})
    assert heat["type"] == "FeatureCollection" and heat["features"]
    assert {f["geometry"]["type"] for f in heat["features"]} == {"Polygon"}
    assert min(f["properties"]["events_nearby"] for f in heat["features"]) >= 5
    hexagons = get_json(mayor, "/api/statistics/hexagons/", commune="99001", **{"from": "2024-01"})
    assert hexagons["hot_spots"]["hexagons"] == len(hexagons["features"])
    assert all(f["properties"]["count"] is None or f["properties"]["count"] >= 5 for f in hexagons["features"])


@pytest.mark.parametrize("who", ["other_mayor", "resident", "staffless"])
def test_others_get_404_for_the_commune(town, who):
    other = make_commune(code="99002", name="Ailleurs", bounds=(6.0, 44.0, 6.02, 44.02))
    user = UserFactory()
    if who == "other_mayor":
        make_role(user=user, kind=Role.Kind.MAYOR, commune=other)
        client = staff_client(user)
    elif who == "resident":
        from django.contrib.gis.geos import Point

        client = resident_client(make_resident(commune=town, home=Point(5.005, 43.005, srid=4326), user=user))
    else:
        client = staff_client(user)
    for path in ("/api/statistics/zones/", "/api/statistics/heatmap/", "/api/statistics/before-after/"):
        assert client.get(path, {"commune": "99001"}).status_code == 404
    assert client.get("/statistiques/99001/").status_code == 404
    assert client.get("/statistiques/99001/zones.csv").status_code == 404


def test_anonymous_is_refused(client, town):
    assert client.get("/api/statistics/zones/", {"commune": "99001"}).status_code == 403
    assert client.get("/statistiques/99001/").status_code == 302


def test_municipal_staff_and_admins_may_read(town, admin_user):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MUNICIPAL_STAFF, commune=town)
    assert staff_client(user).get("/api/statistics/zones/", {"commune": "99001"}).status_code == 200
    assert staff_client(admin_user).get("/api/statistics/zones/", {"commune": "99001"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-13"},
        {"from": "2025-01", "to": "2024-01"},
        {"bandwidth": "5"},
        {"months": "7"},
        {"comparison": "a,b"},
        {"family": "x"},
    ],
)
def test_bad_filters_are_400_naming_the_field(mayor, town, params):
    response = mayor.get("/api/statistics/zones/", {"commune": "99001", **params})
    assert response.status_code == 400
    assert set(response.json()) & {"from", "to", "bandwidth", "months", "comparison", "family"}


def test_too_costly_grids_are_400(mayor, town):
    response = mayor.get("/api/statistics/heatmap/", {"commune": "99001", "cell": "10", "bandwidth": "2000"})
    assert response.status_code == 400 and "cell" in response.json()
    assert mayor.get("/api/statistics/hexagons/", {"commune": "99001", "hexagon": "50"}).status_code == 200


def test_csv_export_hides_small_cells(mayor, town, west, east, history):
    response = mayor.get("/statistiques/99001/zones.csv", {"family": "burglary", "from": "2024-03", "to": "2026-02"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {"zone": "Ouest", "count": "masqué"}.items() <= next(r for r in rows if r["zone"] == "Ouest").items()
    east_counts = {r["count"] for r in rows if r["zone"] == "Est"}
    assert east_counts == {"< 5"}


def test_geojson_and_geopackage_exports(mayor, town, west, east, history, tmp_path):
    geojson = json.loads(mayor.get("/statistiques/99001/zones.geojson", {"family": "burglary"}).content)
    assert {f["properties"]["zone"] for f in geojson["features"]} == {"Ouest", "Est"}
    response = mayor.get("/statistiques/99001/statistiques.gpkg", {"family": "burglary", "from": "2024-01"})
    assert response.status_code == 200
    path = tmp_path / "out.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    layers = {name for name, _kind in pyogrio.list_layers(path)}
    assert {"zones", "hexagones", "densite"} <= layers
    zones = pyogrio.read_dataframe(path, layer="zones")
    assert len(zones) == 2 and zones.crs.to_epsg() == 4326


def test_a_zone_with_a_tiny_base_gets_no_rate_and_says_why(mayor, town, west, east, history):
    west.households = 34
    west.save(update_fields=["households"])
    data = get_json(
        mayor, "/api/statistics/zones/", commune="99001", family="burglary", **{"from": "2024-03", "to": "2026-02"}
    )
    row = next(row for row in data["totals"] if row["zone"] == "Ouest")
    assert row["rate_per_1000_per_year"] is None
    assert reports.annual_rate(90, {"households": 34}, 24) == (None, "ménages")
    assert reports.annual_rate(90, {"households": 100}, 24)[0] == 450.0
    assert "34 ménages seulement, il en faut au moins 100" in row["rate_note"]
    page = mayor.get("/statistiques/99001/", {"family": "burglary"}).content.decode()
    assert "34 ménages seulement" in page


def test_no_hidden_count_can_be_subtracted_back_from_page_api_and_csv(mayor, town, west, east, history):
    # East: 4 burglaries before (3 + 1 here), 6 after: zone total 10, "after" 6, "before" hidden.
    publish(town, spread(1, BORDER_LON, 5.02), day=dt.date(2024, 9, 10))
    publish(town, spread(5, BORDER_LON, 5.02), day=dt.date(2025, 9, 10))
    params = {"commune": "99001", "family": "burglary", "from": "2024-03", "to": "2026-02"}
    zones = get_json(mayor, "/api/statistics/zones/", **params)
    table = get_json(mayor, "/api/statistics/before-after/", **params)
    east_total = next(row for row in zones["totals"] if row["zone"] == "Est")
    east = next(row for row in table["rows"] if row["zone"] == "Est")
    assert east["before_display"] == "< 5"
    assert east_total["count"] is None or east["after"] is None  # else 10 - 6 gives "before" back
    csv_rows = list(csv.DictReader(io.StringIO(mayor.get("/statistiques/99001/zones.csv", params).content.decode())))
    assert (
        next(r for r in csv_rows if r["zone"] == "Est" and "/" in r["period"])["count"] == east_total["count_display"]
    )
    page = mayor.get("/statistiques/99001/", params).content.decode()
    assert "masqué" in page

    # Everything published together: no hidden figure is a sum/difference of published ones.
    query = reports.StatisticsQuery(
        commune=town, start=dt.date(2024, 3, 1), end=dt.date(2026, 3, 1), family="burglary"
    )
    plan = protection.plan_of(query, today=dt.date(2026, 11, 25))
    figures = protection.figures(plan, "burglary")
    hidden = plan.hidden("burglary")
    assert not derivable([f for f in figures if f.key not in hidden], [f for f in figures if f.value < 5])
    # ... and what the API shows is exactly what the rule publishes.
    for row in zones["totals"]:
        assert (row["count"] is None) == (("total", row["zone_id"]) in hidden)
    for row in zones["months"]:
        key = ("month", row["zone_id"], dt.date.fromisoformat(row["month"] + "-01"))
        assert (row["count"] is None) == (key in hidden)
    for row in table["rows"]:
        assert (row["before"] is None) == (("before", row["zone_id"]) in hidden)
        assert (row["after"] is None) == (("after", row["zone_id"]) in hidden)
