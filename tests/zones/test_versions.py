"""Boundary history, like MapIt's generations: an import or a regeneration makes new versions of
the zones that changed and retires the ones left over; it never deletes a zone an alert was routed
to, so routing records and the places of a resident's messages survive every redrawing. Importing
the very same file again changes nothing."""

import pytest
from django.contrib.gis.geos import Point
from django.db.models import ProtectedError
from shapely.geometry import box

from accounts.models import ResidenceNeighbourhood
from delivery.models import RoutedZone
from delivery.routing import alert_route
from tests.auth import resident_client
from tests.factories import make_alert, make_commune, make_resident
from tests.zones.conftest import write_layer
from zones import services as zone_services
from zones.importing import zones_import
from zones.models import Zone, ZonePart
from zones.selectors import zone_ids_covering

pytestmark = pytest.mark.django_db

WEST_HOME = Point(5.005, 43.01, srid=4326)
WEST_ALERT = Point(5.004, 43.012, srid=4326)
TWO_HALVES = [
    {"name": "Ouest", "geometry": box(5.0, 43.0, 5.01, 43.02), "menages": 120},
    {"name": "Est", "geometry": box(5.01, 43.0, 5.02, 43.02), "menages": 80},
]


@pytest.fixture
def town():
    return make_commune(adopted_on="2025-01-01")


def import_file(town, path, **kwargs):
    return zones_import(
        path=path, commune_code=town.code, kind="neighbourhood", name_field="name", commit=True, **kwargs
    )


def routed_alert(town):
    alert = make_alert(commune=town, location=WEST_ALERT, status="published", category="degradation")
    alert_route(alert_id=alert.id)
    return alert


def snapshot() -> tuple:
    zones = sorted(Zone.objects.values_list("id", "name", "valid_from", "valid_until", "households", "replaces_id"))
    parts = sorted(ZonePart.objects.values_list("id", "zone_id"))
    homes = sorted(ResidenceNeighbourhood.objects.values_list("id", "residence_id", "zone_id"))
    return zones, parts, homes


def test_importing_the_very_same_file_again_changes_nothing(town, tmp_path):
    path = write_layer(tmp_path / "quartiers.geojson", TWO_HALVES)
    import_file(town, path, households_field="menages", replace=True)
    make_resident(commune=town, home=WEST_HOME)
    routed_alert(town)
    before = snapshot()

    report = import_file(town, path, households_field="menages", replace=True)

    assert snapshot() == before
    versions = report.versions
    assert (versions.created, versions.versioned, versions.updated, versions.retired) == (0, 0, 0, 0)
    assert versions.unchanged == 2
    assert any("2 inchangée(s)" in line for line in report.lines())


def test_a_redrawn_town_keeps_every_routing_record_and_the_places_of_sent_messages(town, tmp_path):
    import_file(town, write_layer(tmp_path / "v1.geojson", TWO_HALVES))
    resident = make_resident(commune=town, home=WEST_HOME)
    alert = routed_alert(town)
    routed_before = sorted(RoutedZone.objects.filter(alert=alert).values_list("zone_id", "zone_name", "reason"))
    assert ("Ouest", "covers") in {(name, reason) for _id, name, reason in routed_before}

    redrawn = [
        {"name": "Nord", "geometry": box(5.0, 43.015, 5.02, 43.02)},
        {"name": "Sud", "geometry": box(5.0, 43.0, 5.02, 43.015)},
    ]
    report = import_file(town, write_layer(tmp_path / "v2.geojson", redrawn), replace=True)

    assert report.versions.created == 2 and report.versions.retired == 2
    assert sorted(RoutedZone.objects.filter(alert=alert).values_list("zone_id", "zone_name", "reason")) == (
        routed_before
    )
    assert set(Zone.objects.current().filter(commune=town).values_list("name", flat=True)) == {"Nord", "Sud"}
    assert Zone.objects.filter(commune=town, name="Ouest", valid_until__isnull=False).exists()
    # The resident's message still says where it happened, as it did when it was sent.
    inbox = resident_client(resident).get("/api/inbox/").json()
    assert inbox["results"][0]["places"] == ["Ouest"]
    # The home now belongs to the current neighbourhood covering it, and only to it.
    memberships = ResidenceNeighbourhood.objects.filter(residence__user=resident)
    assert list(memberships.values_list("zone__name", flat=True)) == ["Sud"]


def test_a_changed_boundary_is_a_new_version_and_only_the_current_one_is_routed_or_listed(town, tmp_path):
    import_file(town, write_layer(tmp_path / "v1.geojson", TWO_HALVES))
    old_west = Zone.objects.get(commune=town, name="Ouest")
    first_alert = routed_alert(town)

    moved = [
        {**TWO_HALVES[0], "geometry": box(5.0, 43.0, 5.012, 43.02)},
        {**TWO_HALVES[1], "geometry": box(5.012, 43.0, 5.02, 43.02)},
    ]
    report = import_file(town, write_layer(tmp_path / "v2.geojson", moved))

    assert (report.versions.versioned, report.versions.created, report.versions.retired) == (2, 0, 0)
    new_west = Zone.objects.current().get(commune=town, name="Ouest")
    old_west.refresh_from_db()
    assert new_west.replaces_id == old_west.id and old_west.valid_until == new_west.valid_from
    assert list(Zone.objects.versions_of(new_west)) == [old_west, new_west]
    assert zone_ids_covering(WEST_ALERT, kind="neighbourhood") == [new_west.id]
    assert not ZonePart.objects.filter(zone=old_west).exists()
    listed = {f["properties"]["name"] for f in self_api_zones(town)}
    assert listed == {"Ouest", "Est"} and len(self_api_zones(town)) == 2
    second_alert = routed_alert(town)
    assert RoutedZone.objects.filter(alert=first_alert, zone=old_west).exists()
    assert RoutedZone.objects.filter(alert=second_alert, zone=new_west).exists()
    assert not RoutedZone.objects.filter(alert=second_alert, zone=old_west).exists()


def self_api_zones(town) -> list[dict]:
    from django.test import Client

    return Client().get("/api/zones/", {"commune": town.code, "kind": "neighbourhood"}).json()["features"]


def test_regenerating_hexagons_never_loses_a_routing_record_and_the_same_size_again_is_a_no_op(town):
    zone_services.neighbourhoods_generate(commune=town, hex_size_m=400)
    alert = routed_alert(town)
    routed = sorted(RoutedZone.objects.filter(alert=alert).values_list("zone_id", "zone_name"))
    assert routed

    versions = zone_services.neighbourhoods_generate(commune=town, hex_size_m=300, replace=True)

    assert versions.versioned + versions.created > 0
    assert sorted(RoutedZone.objects.filter(alert=alert).values_list("zone_id", "zone_name")) == routed
    assert all(not zone.is_current for zone in Zone.objects.filter(id__in=[zone_id for zone_id, _name in routed]))
    before = snapshot()
    again = zone_services.neighbourhoods_generate(commune=town, hex_size_m=300, replace=True)
    assert snapshot() == before
    assert again.unchanged == Zone.objects.current().filter(commune=town).count()


def test_a_zone_an_alert_was_routed_to_cannot_be_deleted(town, tmp_path):
    import_file(town, write_layer(tmp_path / "v1.geojson", TWO_HALVES))
    routed_alert(town)
    with pytest.raises(ProtectedError):
        Zone.objects.get(commune=town, name="Ouest").delete()


def test_an_admin_sees_the_history_of_a_zone_and_a_retired_version_is_read_only(town, tmp_path, admin_client):
    import_file(town, write_layer(tmp_path / "v1.geojson", TWO_HALVES))
    old_west = Zone.objects.get(commune=town, name="Ouest")
    routed_alert(town)
    moved = [{**TWO_HALVES[0], "geometry": box(5.0, 43.0, 5.012, 43.02)}]
    import_file(town, write_layer(tmp_path / "v2.geojson", moved))
    new_west = Zone.objects.current().get(commune=town, name="Ouest")

    page = admin_client.get(f"/admin/zones/zone/{new_west.id}/change/").content.decode()

    assert f"/admin/zones/zone/{old_west.id}/change/" in page and f"#{new_west.id}" in page
    retired_page = admin_client.get(f"/admin/zones/zone/{old_west.id}/change/").content.decode()
    assert 'name="boundary"' not in retired_page
    listing = admin_client.get("/admin/zones/zone/", {"validity": "retired"}).content.decode()
    assert f"/admin/zones/zone/{old_west.id}/change/" in listing
    assert f"/admin/zones/zone/{new_west.id}/change/" not in listing
