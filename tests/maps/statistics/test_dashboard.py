import re

import pytest

from accounts.models import Role
from maps.rendering import MapLayer, series_svg, statistics_map
from tests.auth import staff_client
from tests.factories import UserFactory, make_role
from tests.maps.statistics.test_apis import history  # noqa: F401 - fixture

CDN = re.compile(r"""(src|href)=["']?(https?:)?//(?!tile\.openstreetmap\.org)""")


def test_rendered_map_loads_only_the_local_leaflet():
    layer = MapLayer("Zones", '{"type": "FeatureCollection", "features": []}', "count", ())
    rendered = statistics_map(
        center=(43.0, 5.0),
        layers=[layer],
        tile_url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        tile_attribution="OSM",
    )
    html = rendered.head + rendered.body + rendered.script
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/vendor/leaflet/leaflet.css" in html
    assert not CDN.search(html)
    for library in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrap", "font-awesome", "fontawesome"):
        assert library not in html


def test_series_chart_never_shows_a_hidden_count():
    import datetime as dt

    months = [dt.date(2024, m, 1) for m in range(1, 4)]
    svg = str(series_svg(months=months, values=[12, 3, 0]))
    assert "01/2024 : 12" in svg and "02/2024 : &lt; 5" in svg and "03/2024 : &lt; 5" in svg
    assert ": 3<" not in svg


@pytest.fixture
def mayor(town):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town)
    return staff_client(user)


def test_dashboard_shows_every_section_in_french_without_cdn(mayor, town, west, east, history):  # noqa: F811
    response = mayor.get("/statistiques/99001/", {"family": "burglary"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "baisse de 50 % (IC 95 % : " in html and "significative" in html
    assert "données insuffisantes" in html  # East: 3 burglaries before
    assert "<svg" in html and "Taux par zone" in html and "Hexagones" in html and "Points chauds" in html
    # Five occupied hexagons on a diagonal: nothing survives the FDR correction, and the page says so.
    assert "Aucun point chaud significatif après correction." in html
    assert "ST_Covers" in html and "< 5" in html.replace("&lt;", "<")
    for download in ("zones.csv", "zones.geojson", "statistiques.gpkg"):
        assert download in html
    assert not CDN.search(html)


def test_dashboard_bad_filter_is_400(mayor, town):
    response = mayor.get("/statistiques/99001/", {"bandwidth": "1"})
    assert response.status_code == 400 and "bandwidth" in response.content.decode()


def test_index_lists_only_own_communes(mayor, town):
    response = mayor.get("/statistiques/")
    assert "Testville" in response.content.decode()


def test_hot_spots_say_which_neighbourhood_and_show_the_tested_p(mayor, town, west, east):
    import datetime as dt

    from maps.statistics import reports
    from tests.maps.statistics.conftest import publish, spread

    # A tight cluster in West, and a few scattered events so the counts vary across hexagons.
    publish(town, spread(40, 5.004, 5.005, 43.009, 43.010))
    publish(town, spread(8, 5.0, 5.02, 43.001, 43.019))
    query = reports.StatisticsQuery(
        commune=town, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1), family="burglary"
    )
    hexagons, summary = reports.hexagon_layer(query)
    rows = reports.hot_spot_rows(hexagons)
    assert summary["hot"] >= 1 and rows
    assert all(row["place"].startswith("Ouest") for row in rows)  # largest share first
    tested = set(hexagons.loc[hexagons["spot"] == "chaud", "p_z_sim"])
    assert {row["p"] for row in rows} <= tested
    assert all(row["p"] < summary["p_threshold"] for row in rows)
    html = mayor.get("/statistiques/99001/", {"family": "burglary", "from": "2024-01", "to": "2024-12"}).content
    table = html.decode().split("Points chauds</h2>")[1].split("</table>")[0]
    assert "<td>Ouest" in table and "chaud" not in table.split("<tbody>")[1]
