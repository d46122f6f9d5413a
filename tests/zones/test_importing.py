import gzip
import json
import re

import pytest
from django.contrib.gis.geos import Point
from shapely.geometry import Polygon

from tests.zones.conftest import SEED_COMMUNES, lambert_box, write_layer
from zones.importing import BoundaryImportError, communes_import, zones_import
from zones.models import Commune, CommunePart, Zone, ZonePart
from zones.selectors import commune_of_point, routes_of_points

pytestmark = pytest.mark.django_db

BOW_TIE = Polygon([(5.0, 43.0), (5.02, 43.02), (5.02, 43.0), (5.0, 43.02), (5.0, 43.0)])


def test_seed_communes_are_imported_with_their_projection_and_town_hall(seed_communes):
    assert seed_communes.created == 4
    tarascon = Commune.objects.get(code="13108")
    assert tarascon.name == "Tarascon"
    assert tarascon.population > 10_000
    assert tarascon.metric_srid == 2154
    assert CommunePart.objects.filter(commune=tarascon).exists()


def test_each_seed_town_hall_lies_in_its_own_commune(seed_communes):
    for commune in Commune.objects.all():
        assert commune_of_point(commune.town_hall) == commune


def test_a_dry_run_changes_nothing():
    report = communes_import(path=str(SEED_COMMUNES))

    assert report.created == 4 and not report.committed
    assert not Commune.objects.exists()


def test_importing_again_updates_and_keeps_the_adoption_date(seed_communes):
    Commune.objects.filter(code="13108").update(adopted_on="2025-03-01")

    report = communes_import(path=str(SEED_COMMUNES), commit=True)

    assert (report.created, report.updated) == (0, 4)
    assert str(Commune.objects.get(code="13108").adopted_on) == "2025-03-01"


def test_a_bow_tie_commune_is_repaired_and_the_repair_reported(tmp_path):
    path = write_layer(tmp_path / "bowtie.geojson", [{"code": "99001", "name": "Nœud", "geometry": BOW_TIE}])

    report = communes_import(path=path, commit=True)

    assert len(report.repairs) == 1 and "99001 Nœud" in report.repairs[0] and "Self-intersection" in report.repairs[0]
    commune = Commune.objects.get(code="99001")
    assert commune.boundary.valid and len(commune.boundary) == 2  # the two triangles
    # Both lobes route, and the crossing point (on both triangles' borders) too.
    assert commune_of_point(Point(5.005, 43.01, srid=4326)) == commune
    assert commune_of_point(Point(5.01, 43.01, srid=4326)) == commune


def test_a_gzipped_geojson_is_read_through_gdal(tmp_path):
    collection = json.loads(SEED_COMMUNES.read_text())
    path = tmp_path / "communes.geojson.gz"
    path.write_bytes(gzip.compress(json.dumps(collection).encode()))

    report = communes_import(path=str(path), codes=["13108"], commit=True)

    assert report.created == 1
    assert list(Commune.objects.values_list("code", flat=True)) == ["13108"]


def test_a_lambert_93_shapefile_is_reprojected_to_lon_lat(square_commune, tmp_path):
    path = write_layer(
        tmp_path / "quartiers.shp",
        [
            {"nom": "Nord", "menages": 120, "geometry": lambert_box(0, 500, 1000, 1000)},
            {"nom": "Sud", "menages": 80, "geometry": lambert_box(0, 0, 1000, 500)},
        ],
        crs="EPSG:2154",
    )

    report = zones_import(
        path=path,
        commune_code="13999",
        kind="neighbourhood",
        name_field="nom",
        households_field="menages",
        commit=True,
    )

    nord = Zone.objects.get(name="Nord")
    assert nord.households == 120 and nord.origin == Zone.Origin.IMPORTED
    assert nord.boundary.srid == 4326 and 5.0 < nord.boundary.centroid.x < 6.0 and 43.0 < nord.boundary.centroid.y < 44
    assert nord.boundary.transform(2154, clone=True).area == pytest.approx(500_000, rel=1e-6)
    assert report.coverage.gap_m2 == pytest.approx(0, abs=1) and report.coverage.overlaps == []
    # The shared border at y = 500 m belongs to both neighbourhoods.
    border = Point(893_000, 6_270_500, srid=2154).transform(4326, clone=True)
    assert sorted(routes_of_points([border.x], [border.y])[0].neighbourhood_ids) == sorted(
        Zone.objects.values_list("id", flat=True)
    )


def test_counts_that_are_not_counts_are_kept_as_unknown(square_commune, tmp_path):
    """Infinite, negative or beyond-the-column figures are unknown, not a crash nor a wrong count."""
    values = {"Inf": float("inf"), "Neg": -5.0, "Huge": 3e12, "Ok": 250.0}
    path = write_layer(
        tmp_path / "quartiers.gpkg",
        [
            {"nom": name, "menages": value, "geometry": lambert_box(250 * i, 0, 250 * (i + 1), 1000)}
            for i, (name, value) in enumerate(values.items())
        ],
        crs="EPSG:2154",
    )

    zones_import(
        path=path,
        commune_code="13999",
        kind="neighbourhood",
        name_field="nom",
        households_field="menages",
        commit=True,
    )

    assert dict(Zone.objects.values_list("name", "households")) == {"Inf": None, "Neg": None, "Huge": None, "Ok": 250}


def test_overlaps_and_gaps_are_reported_in_square_metres_and_percent(square_commune, tmp_path):
    path = write_layer(
        tmp_path / "quartiers.geojson",
        [
            {"name": "Ouest", "geometry": lambert_box(0, 0, 600, 1000)},  # overlaps Est on 100 m × 1000 m
            {"name": "Est", "geometry": lambert_box(500, 0, 1000, 900)},  # leaves 500 m × 100 m uncovered
        ],
        crs="EPSG:2154",
    )

    report = zones_import(path=path, commune_code="13999", kind="neighbourhood", name_field="name")

    (overlap,) = report.coverage.overlaps
    assert {overlap.first, overlap.second} == {"Ouest", "Est"}
    assert overlap.area_m2 == pytest.approx(90_000, rel=1e-4)  # 100 m × 900 m
    assert overlap.percent == pytest.approx(9.0, rel=1e-3)
    assert report.coverage.gap_m2 == pytest.approx(40_000, rel=1e-3)  # 400 m × 100 m north-east corner
    assert report.coverage.gap_percent == pytest.approx(4.0, rel=1e-2)
    assert any("Chevauchement" in line and "90000 m²" in line for line in report.lines())


def test_neighbourhoods_are_clipped_to_the_commune(square_commune, tmp_path):
    path = write_layer(
        tmp_path / "q.geojson",
        [
            {"name": "Débordant", "geometry": lambert_box(0, 0, 1200, 1000)},
            {"name": "Dehors", "geometry": lambert_box(2000, 0, 2500, 500)},
        ],
        crs="EPSG:2154",
    )

    report = zones_import(path=path, commune_code="13999", kind="neighbourhood", name_field="name", commit=True)

    assert list(Zone.objects.values_list("name", flat=True)) == ["Débordant"]
    zone = Zone.objects.get()
    assert zone.boundary.transform(2154, clone=True).area == pytest.approx(1_000_000, rel=1e-4)
    assert any(re.search(r"(199|200)\d\d\d m² hors commune", line) for line in report.skipped), report.skipped
    assert any("Dehors" in line and "hors de la commune" in line for line in report.skipped)


def test_police_sectors_go_to_the_municipal_police_and_are_not_clipped(square_commune, tmp_path):
    path = write_layer(
        tmp_path / "s.geojson", [{"name": "S1", "geometry": lambert_box(0, 0, 1500, 1000)}], crs="EPSG:2154"
    )

    zones_import(path=path, commune_code="13999", kind="police_sector", name_field="name", commit=True)

    sector = Zone.objects.get(kind="police_sector")
    assert sector.police_service.name == "Police municipale de Carréville"
    assert sector.boundary.transform(2154, clone=True).area == pytest.approx(1_500_000, rel=1e-4)
    assert ZonePart.objects.filter(zone=sector, kind="police_sector").exists()


def test_a_failing_import_leaves_the_database_untouched(square_commune, tmp_path):
    first = write_layer(
        tmp_path / "a.geojson", [{"name": "Ancien", "geometry": lambert_box(0, 0, 1000, 1000)}], crs="EPSG:2154"
    )
    zones_import(path=first, commune_code="13999", kind="neighbourhood", name_field="name", commit=True)
    parts_before = ZonePart.objects.count()
    # --replace deletes "Ancien" first; the second name is too long for the database, so it all fails.
    bad = write_layer(
        tmp_path / "b.geojson",
        [
            {"name": "Nouveau", "geometry": lambert_box(0, 0, 500, 1000)},
            {"name": "x" * 300, "geometry": lambert_box(500, 0, 1000, 1000)},
        ],
        crs="EPSG:2154",
    )

    with pytest.raises(BoundaryImportError, match="rien n'a été importé"):
        zones_import(
            path=bad, commune_code="13999", kind="neighbourhood", name_field="name", replace=True, commit=True
        )

    assert list(Zone.objects.values_list("name", flat=True)) == ["Ancien"]
    assert ZonePart.objects.count() == parts_before


def test_a_file_without_crs_in_lon_lat_is_read_as_wgs84(tmp_path):
    path = write_layer(
        tmp_path / "sans-crs.shp",
        [
            {
                "code": "99002",
                "name": "Lonlat",
                "geometry": Polygon(BOW_TIE.exterior.coords[:1] + [(5.02, 43.0), (5.02, 43.02), (5.0, 43.0)]),
            }
        ],
        crs=None,
    )

    report = communes_import(path=path, commit=True)

    assert any("Aucune projection" in note for note in report.notes)
    assert Commune.objects.get(code="99002").boundary.extent == pytest.approx((5.0, 43.0, 5.02, 43.02))


def test_a_kml_file_is_imported(tmp_path):
    path = write_layer(
        tmp_path / "c.kml", [{"Name": "Kmlville", "code": "99003", "geometry": BOW_TIE.envelope}], driver="KML"
    )

    communes_import(path=path, name_field="Name", commit=True)

    assert Commune.objects.get(code="99003").name == "Kmlville"
