import csv
import datetime as dt
import io
import json
import re

import pyogrio
import pytest

from accounts.models import Role
from maps.statistics.before_after import add_months
from maps.statistics.intervals import garwood
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
    """Adoption in March 2025. West: 5 burglaries a month for the three years before (180), 20 in the
    adoption month itself, then 3 and 2 in alternate months (30 a year); East: 3 in June 2024, 1 in June 2025."""
    for month in range(36):
        publish(town, spread(5, 5.0, BORDER_LON), day=add_months(dt.date(2022, 3, 1), month) + dt.timedelta(days=9))
    publish(town, spread(20, 5.0, BORDER_LON), day=dt.date(2025, 3, 20))
    for month in range(12):
        n = 3 if month % 2 == 0 else 2
        publish(town, spread(n, 5.0, BORDER_LON), day=add_months(dt.date(2025, 4, 1), month) + dt.timedelta(days=9))
    publish(town, spread(3, BORDER_LON, 5.02), day=dt.date(2024, 6, 10))
    publish(town, spread(1, BORDER_LON, 5.02), day=dt.date(2025, 6, 10))


def get_json(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_zone_statistics_publish_counts_rates_and_hide_small_cells(mayor, town, west, east, history):
    data = get_json(
        mayor, "/api/statistics/zones/", commune="99001", family="burglary", **{"from": "2025-01", "to": "2025-12"}
    )
    totals = {row["zone"]: row for row in data["totals"]}
    # 2025: 10 (January, February) + 20 (March) + 23 (April to December: 3, 2, 3 ...) = 53 events, a year for 1,000
    # households, published with its cell-key perturbation (at most 2 either way); the rate from that figure.
    west_count = totals["Ouest"]["count"]
    assert abs(west_count - 53) <= 2 and totals["Ouest"]["rate_basis"] == "ménages"
    assert totals["Ouest"]["rate_per_1000_per_year"] == west_count
    # Every published count and rate with its exact interval, and a funnel position instead of a rank.
    low, high = garwood(west_count)
    assert (totals["Ouest"]["count_low"], totals["Ouest"]["count_high"]) == (round(low, 1), round(high, 1))
    assert totals["Ouest"]["rate_low"] < west_count < totals["Ouest"]["rate_high"]
    assert totals["Ouest"]["funnel"] == "inside"  # alone on its basis (households): it is the reference
    assert totals["Est"]["count_low"] is None and totals["Est"]["funnel"] is None  # "< 5" gets no position
    assert totals["Est"]["count"] is None and totals["Est"]["count_display"] == "< 5"
    assert totals["Est"]["rate_per_1000_per_year"] is None
    assert {row["count_display"] for row in data["months"] if row["zone"] == "Est"} == {"< 5"}
    assert "ST_Covers" in data["method"] and data["source"] == "alerts"


def test_before_after_api(mayor, town, west, east, history):
    data = get_json(mayor, "/api/statistics/before-after/", commune="99001", family="burglary")
    assert data["reference"] == "2025-03-01" and data["adoption_month"] == "2025-03"
    assert data["after"] == ["2025-04", "2026-03"] and data["before"] == [["2022-03", "2025-02"]]
    assert data["years_before"] == 3 and "signalements" in data["source_note"]
    assert "16 % à 26 %" in data["benchmark"]
    west_row = next(row for row in data["rows"] if row["zone"] == "Ouest")
    # The 20 events of the adoption month count in neither period; 180 in three years before, 30 in one after.
    assert abs(west_row["before"] - 180) <= 2 and abs(west_row["after"] - 30) <= 2
    assert (west_row["months_before"], west_row["months_after"]) == (36, 12)
    assert re.match(r"baisse de (4[6-9]|5[0-4]) % \(IC 95 % : ", west_row["sentence"]) and west_row["significant"]
    assert west_row["detectable_fall"] and "puissance de 80 %" in west_row["detectable"]
    assert west_row["peak_warning"] is None and west_row["comparison"] is None  # the rest of the commune is no control
    assert "wdd" not in json.dumps(data)
    east_row = next(row for row in data["rows"] if row["zone"] == "Est")
    assert east_row["before_display"] == "< 5" and east_row["ratio"] is None and east_row["detectable_fall"] is None


def test_before_after_against_chosen_zones_withholds_the_complement_of_a_hidden_count(
    mayor, town, west, east, history
):
    data = get_json(
        mayor, "/api/statistics/before-after/", commune="99001", family="burglary", comparison=str(west.id)
    )
    assert "pas l'effet du dispositif" in data["comparison"]
    east_row = next(row for row in data["rows"] if row["zone"] == "Est")
    assert east_row["comparison"] == {
        "published": False,
        "sentence": "comparaison non publiée : effectifs de la zone inférieurs à 5",
    }


def test_heatmap_and_hexagons_are_grids_without_raw_points(mayor, town, west, east, history):
    heat = get_json(mayor, "/api/statistics/heatmap/", commune="99001", **{"from": "2024-01"})
    assert heat["type"] == "FeatureCollection" and heat["features"]
    assert {f["geometry"]["type"] for f in heat["features"]} == {"Polygon"}
    # Density is published as a level, never as a value that could be turned back into counts.
    assert {tuple(sorted(f["properties"])) for f in heat["features"]} == {("level", "level_label")}
    assert {f["properties"]["level_label"] for f in heat["features"]} <= {"faible", "moyenne", "forte", "très forte"}
    hexagons = get_json(mayor, "/api/statistics/hexagons/", commune="99001", **{"from": "2024-01"})
    assert hexagons["hot_spots"]["hexagons"] == len(hexagons["features"])
    # Hexagons give a count band and a label, no count, z-score or p-value that could be inverted.
    assert {tuple(sorted(f["properties"])) for f in hexagons["features"]} == {("count_band", "place", "spot")}
    assert "aucun hexagone ne résiste" in hexagons["hot_spots"]["sentence"]
    assert "p_sim" not in json.dumps(hexagons) and "gi_z" not in json.dumps(hexagons)


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


def test_spreadsheet_csv_opens_in_french_excel_and_hides_small_cells(mayor, town, west, east, history):
    response = mayor.get("/statistiques/99001/zones.csv", {"family": "burglary", "from": "2025-01", "to": "2025-12"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark French Excel needs
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {"Période", "Zone", "Catégorie", "Nombre", "Taux pour 1 000 par an"} <= set(rows[0])
    west_row = next(r for r in rows if r["Zone"] == "Ouest" and r["Ligne"] == "total de la zone")
    assert abs(int(west_row["Nombre"]) - 53) <= 2 and west_row["Catégorie"] == "cambriolage"
    bounds = [r[c] for r in rows for c in r if "borne" in c and r[c]]  # Garwood bounds: 39,7 for 53
    assert bounds and all("." not in value for value in bounds) and any("," in value for value in bounds)
    assert 35 < float(west_row["Nombre : borne basse (IC 95 %)"].replace(",", ".")) < 45
    assert {r["Nombre"] for r in rows if r["Zone"] == "Est"} == {"< 5"}
    assert "burglary" not in response.content.decode("utf-8-sig")


def test_analysis_csv_keeps_numbers_numeric_with_a_status_column(mayor, town, west, east, history):
    params = {"family": "burglary", "from": "2025-01", "to": "2025-12"}
    response = mayor.get("/statistiques/99001/zones-analyse.csv", params)
    assert response.status_code == 200 and not response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    west_row = next(r for r in rows if r["zone"] == "Ouest" and r["row_kind"] == "zone")
    assert west_row["family"] == "burglary" and west_row["count_status"] == "published"
    assert west_row["rate_basis"] == "households" and float(west_row["rate_per_1000_per_year"]) > 0
    east_rows = [r for r in rows if r["zone"] == "Est"]
    assert east_rows and {(r["count"], r["count_status"]) for r in east_rows} == {("", "under_5")}
    for row in rows:  # every number column parses as a number or is empty
        for column in ("count", "count_low", "count_high", "rate_per_1000_per_year", "rate_low", "rate_high"):
            assert row[column] == "" or float(row[column]) >= 0


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
        mayor, "/api/statistics/zones/", commune="99001", family="burglary", **{"from": "2025-01", "to": "2025-12"}
    )
    row = next(row for row in data["totals"] if row["zone"] == "Ouest")
    assert abs(row["count"] - 53) <= 2 and row["rate_per_1000_per_year"] is None
    assert "34 ménages seulement, il en faut au moins 100" in row["rate_note"]
    page = mayor.get("/statistiques/99001/", {"family": "burglary"}).content.decode()
    assert "34 ménages seulement" in page
