import csv
import html
import io
import re

import pytest

from accounts.models import Role
from maps.statistics.rendering import MapLayer, funnel_svg, series_svg, statistics_map
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
    assert "janvier 2024 : 12" in svg and "février 2024 : &lt; 5" in svg and "mars 2024 : &lt; 5" in svg
    assert ": 3<" not in svg


def test_series_chart_labels_its_axes_every_month_and_marks_the_adoption():
    import datetime as dt

    months = [dt.date(2024, m, 1) for m in range(6, 13)] + [dt.date(2025, m, 1) for m in range(1, 6)]
    svg = str(series_svg(months=months, values=[12] * 12, previous=[8] * 12, adoption=dt.date(2025, 3, 12)))
    labels = re.findall(r'class="axis month"[^>]*>([^<]*)<', svg)
    assert len(labels) == 12 and labels[:2] == ["juin", "juil."] and labels[-1] == "mai"
    assert "événements par mois" in svg and ">0<" in svg and ">10<" in svg and ">20<" in svg  # y axis ticks
    assert 'class="adoption" data-month="2025-03"' in svg and "adhésion (12/03/2025)" in svg
    assert 'class="previous"' in svg and "un an plus tôt" in svg
    assert 'class="adoption"' not in str(series_svg(months=months, values=[12] * 12, adoption=dt.date(2023, 1, 1)))


def test_funnel_places_each_shown_zone_by_its_ratio_and_never_a_hidden_one():
    from maps.statistics.reports import FUNNEL_LABELS, _funnel_position

    def row(zone, count, expected):
        position = _funnel_position(count, expected) if count is not None else None
        label = str(FUNNEL_LABELS[position]) if position else None
        return {
            "zone": zone,
            "count": count,
            "expected": expected if count is not None else None,
            "funnel": position,
            "funnel_label": label,
        }

    rows = [row("Haut", 30, 10.0), row("Moyen", 40, 40.0), row("Cachée", None, 3.0)]
    svg = str(funnel_svg(rows=rows))
    points = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="4" class="zone (\w+)"><title>([^:]+) :', svg)
    assert [(p[2], p[3].strip()) for p in points] == [("above_998", "Haut"), ("inside", "Moyen")]
    # O/E of 3 sits higher than O/E of 1, and E = 40 lies to the right of E = 10.
    (hx, hy, *_), (mx, my, *_) = points
    assert float(hy) < float(my) and float(mx) > float(hx)
    assert "Cachée" not in svg
    assert svg.count('class="limit-95"') == 2 and svg.count('class="limit-998"') == 2
    assert funnel_svg(rows=[row("Cachée", None, 3.0)]) == ""


@pytest.fixture
def mayor(town):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town)
    return staff_client(user)


def test_dashboard_shows_every_section_in_french_without_cdn(mayor, town, west, east, history):  # noqa: F811
    response = mayor.get("/statistiques/99001/", {"family": "burglary"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"baisse de (4[6-9]|5[0-4]) % \(IC 95 % : ", html) and "significative" in html
    assert "moins de 5 événements avant : aucune évolution ne peut être décelée" in html  # East
    assert "puissance de 80 %" in html and "16 % à 26 %" in html  # detectable change and the benchmark
    assert "Alertes des habitants (signalements)" in html
    assert "il faut au moins une année complète avant et une après" in html  # no SSMSI figures here
    assert 'id="funnel"' in html and 'class="funnel"' in html
    assert "<svg" in html and "Taux par zone" in html and "Hexagones" in html and "Points chauds" in html
    # Evenly spread events on a diagonal: nothing survives the FDR correction, and the page says so.
    assert "Aucun point chaud : aucun hexagone ne résiste" in html
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
    # A cluster spanning a few hexagons (a lone busy hexagon is no Gi* cluster: its own count is held fixed).
    publish(town, spread(30, 5.003, 5.007, 43.008, 43.012))
    publish(town, spread(30, 5.003, 5.007, 43.012, 43.008))
    publish(town, spread(8, 5.0, 5.02, 43.001, 43.019))
    query = reports.StatisticsQuery(
        commune=town, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1), family="burglary"
    )
    hexagons, summary = reports.hexagon_layer(query)
    rows = reports.hot_spot_rows(hexagons)
    assert summary["hot"] >= 1 and rows
    assert all(row["place"].startswith("Ouest") for row in rows)  # largest share first
    assert {row["count_band"] for row in rows} <= {"< 5", "5-9", "10-19", "20-49", "50+"}
    published = reports.published_hexagons(hexagons)
    assert not {"gi_z", "p_sim", "p_z_sim", "count", "_strength"} & set(published.columns)  # no z, p or count
    html = mayor.get("/statistiques/99001/", {"family": "burglary", "from": "2024-01", "to": "2024-12"}).content
    table = html.decode().split("Points chauds</h2>")[1].split("</table>")[0]
    assert "<td>Ouest" in table and "chaud" not in table.split("<tbody>")[1]


def _import(tmp_path, fmt: str, lines: list[str]) -> None:
    from django.core.management import call_command

    path = tmp_path / f"{fmt}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_crimes", str(path), "--format", fmt, "--commit")


def _section(html: str, title: str) -> str:
    return html.split(title, 1)[1].split("<h2>", 1)[0]


def test_every_part_of_the_page_follows_the_chosen_source(mayor, town, west, east, history, tmp_path):  # noqa: F811
    page = mayor.get("/statistiques/99001/", {"source": "police-uk"}).content.decode()
    assert "Aucune donnée police-uk pour cette commune" in page
    assert '<option value="police-uk"' not in page  # not offered to a commune without police.uk data
    assert "alertes publiées ·" not in page.replace("</h3>", "").replace("\n", " ")
    assert "<svg" not in _section(page, "Séries mensuelles")

    from maps.statistics.crime_import import POLICE_UK_COLUMNS

    row = ",2024-05,Met,Met,5.005000,43.010000,On or near X,E01,L,Burglary,,"
    _import(tmp_path, "police-uk", [",".join(POLICE_UK_COLUMNS), *[row] * 6])
    page = mayor.get("/statistiques/99001/", {"source": "police-uk", "from": "2024-01"}).content.decode()
    series = _section(page, "Séries mensuelles")
    assert 'value="police-uk" selected' in page and "Aucune donnée police-uk" not in page
    assert "délinquance enregistrée (police-uk)" in series and "alertes publiées" not in series
    assert re.search(r"mai 2024 : [5-7]<", series)  # six crimes, published with their cell-key perturbation


def test_the_ssmsi_yearly_series_shows_unknown_years_as_not_diffused(mayor, town, west, east, tmp_path):
    header = "CODGEO_2025;annee;indicateur;unite_de_compte;nombre;taux_pour_mille;est_diffuse;insee_pop;insee_log"
    _import(
        tmp_path,
        "ssmsi",
        [
            header,
            "99001;2022;Cambriolages de logement;Infraction;41;NA;diff;5000;2200",
            "99001;2023;Cambriolages de logement;Infraction;NA;NA;ndiff;5000;2200",
            "99001;2024;Cambriolages de logement;Infraction;37;NA;diff;5000;2200",
            "99001;2022;Destructions et dégradations volontaires;Infraction;60;NA;diff;5000;2200",
        ],
    )
    page = mayor.get("/statistiques/99001/").content.decode()
    table = _section(page, "(SSMSI, par an)")
    cells = [cell.split("<")[0] for cell in table.split('<td class="n">')[1:]]
    assert cells == ["41", "non diffusé", "37", "60", "non diffusé", "non diffusé"]


def test_months_without_imported_data_are_not_zeros_and_rates_divide_by_covered_months(
    mayor, town, west, east, tmp_path
):
    from maps.statistics.crime_import import POLICE_UK_COLUMNS

    may = ",2024-05,Met,Met,5.005000,43.010000,On or near X,E01,L,Burglary,,"
    july = ",2024-07,Met,Met,5.005000,43.010000,On or near X,E01,L,Burglary,,"
    nowhere = ",2024-07,Met,Met,,,No location,E01,L,Burglary,,"
    _import(tmp_path, "police-uk", [",".join(POLICE_UK_COLUMNS), *[may] * 6, *[july] * 6, nowhere])
    params = {"commune": "99001", "source": "police-uk", "family": "burglary", "from": "2024-01"}
    data = mayor.get("/api/statistics/zones/", params).json()
    coverage = data["coverage"]
    assert (coverage["months_in_period"], coverage["months_covered"]) == (12, 2)
    assert "2024-01" in coverage["months_without_data"] and "2024-05" not in coverage["months_without_data"]
    assert coverage["rows_without_location"] == 1 and coverage["outside_zones_display"] == "< 5"
    west_row = next(row for row in data["totals"] if row["zone"] == "Ouest")
    # Twelve crimes in two covered months for 1,000 households: 72 a year, not 12 (one year of 12 months).
    assert abs(west_row["rate_per_1000_per_year"] - 72) <= 12
    page = mayor.get("/statistiques/99001/", {k: v for k, v in params.items() if k != "commune"}).content.decode()
    assert "Mois avec des données : 2 sur 12" in page and "Pas de données (et non zéro)" in page
    assert "1 lignes importées sans coordonnées" in page
    csv_text = mayor.get("/statistiques/99001/zones.csv", params).content.decode("utf-8-sig")
    kinds = {row["Ligne"] for row in csv.DictReader(io.StringIO(csv_text), delimiter=";")}
    assert {"pas de données", "sans coordonnées", "hors des zones"} <= kinds


def test_police_uk_types_show_under_their_family_and_suspicious_is_not_offered(mayor, town, west, east, tmp_path):
    from maps.statistics.crime_import import POLICE_UK_COLUMNS

    violence = ",2024-07,Met,Met,5.005000,43.010000,On or near X,E01,L,Violence and sexual offences,,"
    drugs = ",2024-07,Met,Met,5.005000,43.010000,On or near X,E01,L,Drugs,,"
    _import(tmp_path, "police-uk", [",".join(POLICE_UK_COLUMNS), *[violence] * 8, *[drugs] * 2])
    data = mayor.get("/api/statistics/zones/", {"commune": "99001", "source": "police-uk", "from": "2024-01"}).json()
    types = {row["type"]: row for row in data["types"]}
    assert types["Violence and sexual offences"]["family"] == "other"
    assert abs(types["Violence and sexual offences"]["count"] - 8) <= 2 and types["Drugs"]["count_display"] == "< 5"
    assert "suspicious" not in {row["family"] for row in data["totals"]}
    page = mayor.get("/statistiques/99001/", {"source": "police-uk", "from": "2024-01", "family": "other"})
    assert "Violence and sexual offences" in page.content.decode()


def test_the_dashboard_opens_with_a_plain_summary_legends_and_zone_names(mayor, town, west, east, history):  # noqa: F811
    page = html.unescape(mayor.get("/statistiques/99001/", {"family": "burglary"}).content.decode())
    summary = _section(page, "En bref")
    assert "dans toute la commune" in summary and "entre" in summary and "%" in summary
    assert "pas pourquoi" in summary  # what the figures cannot tell
    for causal in ("grâce", "à cause", "a permis", "a fait baisser"):
        assert causal not in summary
    legends = re.findall(r'<figure class="legend" data-layer="([^"]+)"', page)
    assert "Taux par zone (pour 1 000 par an)" in legends and "Densité des événements" in legends
    assert '"Ouest"' in page and '"zone-name"' in page  # names written on the map
    assert "fitBounds" in page  # the whole commune in view
    method = page[page.index('id="methode"') :]
    assert "ST_Covers" in method and "Getis" in method and "ST_Covers" not in page[: page.index('id="methode"')]


def test_zones_sort_in_natural_order(mayor, town):
    from tests.factories import make_neighbourhood

    for number in (10, 2, 1):
        make_neighbourhood(
            commune=town,
            name=f"Quartier {number}",
            bounds=(5.0 + number / 1000, 43.0, 5.0 + (number + 1) / 1000, 43.01),
        )
    data = mayor.get("/api/statistics/zones/", {"commune": "99001", "family": "burglary"}).json()
    assert [row["zone"] for row in data["totals"]] == ["Quartier 1", "Quartier 2", "Quartier 10"]


def test_the_english_dashboard_leaves_no_french_label(mayor, town, west, east, history):  # noqa: F811
    mayor.cookies["django_language"] = "en"
    page = html.unescape(
        mayor.get("/statistiques/99001/", {"family": "burglary"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    for french in (
        "Fond de carte",
        "Taux par zone",
        "Densité",
        "Points chauds",
        "En bref",
        "événements par mois",
        "Méthode",
    ):
        assert french not in page, french
    assert "In short" in page and "Base map" in page and "Rate by zone" in page
