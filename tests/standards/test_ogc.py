"""OGC API - Features read by GDAL's own driver (`ogrinfo OAPIF:`, `ogr2ogr` to GeoPackage)
against a running server, compared with the database; and the core requirements: links, paging,
bbox, datetime, single items, 400 for bad parameters, privacy of alert locations."""

import json
import shutil
import sqlite3
import subprocess
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from standards.ogc import CONFORMANCE
from tests.auth import staff_client
from tests.maps.live.world import ensure_categories

needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")


@pytest.fixture
def served(standards, live_server, transactional_db):
    ensure_categories()
    return standards, f"{live_server.url}/ogc/"


def gdal(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_gdal
def test_gdal_lists_the_collections_and_downloads_every_feature(served, tmp_path):
    standards, url = served
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{url}")
    target = tmp_path / "vigie.gpkg"
    gdal("ogr2ogr", "-preserve_fid", "-f", "GPKG", str(target), f"OAPIF:{url}")

    with sqlite3.connect(target) as db:
        tables = {row[0] for row in db.execute("SELECT table_name FROM gpkg_contents")}
        communes = sorted(row[0] for row in db.execute("SELECT id FROM communes"))
        alerts = sorted(row[0] for row in db.execute("SELECT fid FROM alerts"))
        sectors = db.execute("SELECT count(*) FROM police_sectors").fetchone()[0]
        neighbourhoods = db.execute("SELECT name FROM neighbourhoods").fetchall()

    for layer in ("communes", "neighbourhoods", "police_sectors", "alerts"):
        assert layer in listing
    assert tables == {"communes", "neighbourhoods", "police_sectors", "alerts"}
    assert communes == ["99001", "99002"]
    assert alerts == sorted([standards.published.id, standards.other_published.id])
    assert sectors == 2 and neighbourhoods == [("Centre",)]


@needs_gdal
def test_gdal_reads_generalised_alert_points(served, tmp_path):
    standards, url = served
    out = gdal("ogrinfo", "-ro", "-q", "-al", "-fid", str(standards.published.id), f"OAPIF:{url}", "alerts")

    exact = standards.published.location
    assert f"POINT ({exact.x:.5f}" not in out and "POINT (" in out
    assert "cambriolage" in out


def test_landing_conformance_and_api_definition(standards):
    landing = Client().get("/ogc/").json()
    conformance = Client().get("/ogc/conformance").json()
    api = Client().get("/ogc/api")

    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["service-desc"] == "http://testserver/ogc/api"
    assert rels["conformance"] == "http://testserver/ogc/conformance"
    assert rels["data"] == "http://testserver/ogc/collections"
    assert conformance["conformsTo"] == CONFORMANCE
    definition = json.loads(api.content)
    assert definition["openapi"].startswith("3.0")
    assert "/ogc/collections/{collection_id}/items" in definition["paths"]


def test_items_page_with_next_links_until_the_end(standards):
    first = Client().get("/ogc/collections/communes/items?limit=1")
    body = first.json()
    next_url = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = Client().get(next_url.replace("http://testserver", "")).json()

    assert first["Content-Type"] == "application/geo+json"
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 2 and body["numberReturned"] == 1
    assert [f["id"] for f in body["features"] + second["features"]] == ["99001", "99002"]
    assert not any(link["rel"] == "next" for link in second["links"])


def test_bbox_keeps_what_overlaps_it(standards):
    body = Client().get("/ogc/collections/communes/items?bbox=5.09,42.99,5.2,43.1").json()
    border = Client().get("/ogc/collections/communes/items?bbox=5.02,43.0,5.1,43.02").json()

    assert [f["id"] for f in body["features"]] == ["99002"]
    assert sorted(f["id"] for f in border["features"]) == ["99001", "99002"]  # both touch a box edge


def test_datetime_filters_alerts_to_the_day_for_the_public(standards):
    standards.published.occurred_at = timezone.now() - timedelta(days=10)
    standards.published.save(update_fields=["occurred_at"])
    day = timezone.localdate(standards.published.occurred_at)
    next_day = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    later_that_day = {"datetime": f"{(next_day - timedelta(seconds=1)).isoformat()}/.."}

    recent = Client().get("/ogc/collections/alerts/items", {"datetime": f"{next_day.isoformat()}/.."})
    same_day = Client().get("/ogc/collections/alerts/items", later_that_day).json()
    agent = staff_client(standards.world.agent).get("/ogc/collections/alerts/items", later_that_day).json()

    assert [f["id"] for f in recent.json()["features"]] == [standards.other_published.id]
    # The public cannot narrow an alert below its day; the commune's police agent can.
    assert standards.published.id in {f["id"] for f in same_day["features"]}
    assert standards.published.id not in {f["id"] for f in agent["features"]}


def test_alert_items_are_generalised_except_for_the_communes_police(standards):
    exact = standards.published.location
    url = f"/ogc/collections/alerts/items/{standards.published.id}"

    public = Client().get(url).json()
    agent = staff_client(standards.world.agent).get(url).json()
    other_agent = staff_client(standards.world.other_agent).get(url).json()

    assert public["geometry"]["coordinates"] != pytest.approx([exact.x, exact.y], abs=1e-5)
    assert other_agent["geometry"] == public["geometry"]
    assert agent["geometry"]["coordinates"] == pytest.approx([exact.x, exact.y])
    assert public["properties"]["category"] == "cambriolage"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/ogc/collections/alerts/items/{pending}", 404),
        ("/ogc/collections/nothing/items", 404),
        ("/ogc/collections/alerts/items/abc", 404),
        ("/ogc/collections/communes/items?bbox=1,2,3", 400),
        ("/ogc/collections/communes/items?bbox=0,50,1,40", 400),
        ("/ogc/collections/communes/items?limit=0", 400),
        ("/ogc/collections/communes/items?limit=abc", 400),
        ("/ogc/collections/communes/items?limit=²", 400),
        ("/ogc/collections/alerts/items/²", 404),
        ("/ogc/collections/alerts/items?datetime=hier", 400),
        ("/ogc/collections/alerts/items?datetime=2026-02-01/2026-01-01", 400),
        ("/ogc/collections/communes/items?colour=red", 400),
        ("/ogc/collections?f=html", 400),
    ],
)
def test_bad_requests_are_refused_with_4xx(standards, url, status):
    assert Client().get(url.format(pending=standards.pending.id)).status_code == status


def test_a_single_commune_by_its_insee_code(standards):
    body = Client().get("/ogc/collections/communes/items/99001").json()

    assert body["type"] == "Feature" and body["id"] == "99001"
    assert body["properties"]["joined"] is True
    assert body["geometry"]["type"] == "MultiPolygon"
