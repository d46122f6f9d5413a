import json

import pytest
from django.contrib.gis.geos import Point

from tests.factories import make_commune, make_neighbourhood
from zones.models import Zone, ZonePart
from zones.selectors import zone_ids_covering

pytestmark = pytest.mark.django_db

BOW_TIE = {
    "type": "MultiPolygon",
    "coordinates": [[[[5.0, 43.0], [5.02, 43.01], [5.02, 43.0], [5.0, 43.01], [5.0, 43.0]]]],
}


def test_the_boundary_editor_needs_no_cdn(admin_client):
    commune = make_commune(code="99001", bounds=(5.0, 43.0, 5.02, 43.01))

    page = admin_client.get(f"/admin/zones/commune/{commune.id}/change/").content.decode()

    assert "vendor/leaflet/leaflet.js" in page and "zones/js/boundary-editor.js" in page
    assert "cdn." not in page and "jsdelivr" not in page


def test_a_drawn_neighbourhood_is_repaired_clipped_and_routed(admin_client):
    commune = make_commune(code="99001", bounds=(5.0, 43.0, 5.01, 43.01))
    zone = make_neighbourhood(commune=commune, name="Centre", bounds=(5.0, 43.0, 5.01, 43.01))

    response = admin_client.post(
        f"/admin/zones/zone/{zone.id}/change/",
        {"kind": "neighbourhood", "commune": commune.id, "name": "Centre", "boundary": json.dumps(BOW_TIE)},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("réparée" in m for m in messages) and any("découpée à la commune" in m for m in messages)
    # A new boundary is a new version; the one drawn before is retired, not overwritten.
    previous, zone = zone, Zone.objects.current().get(commune=commune, name="Centre")
    previous.refresh_from_db()
    assert previous.valid_until is not None and zone.replaces_id == previous.id
    assert zone.boundary.valid and zone.boundary.extent[2] == pytest.approx(5.01)
    assert ZonePart.objects.filter(zone=zone).exists()
    # The left lobe routes; the part cut off beyond the commune does not.
    assert zone_ids_covering(Point(5.002, 43.005, srid=4326), kind="neighbourhood") == [zone.id]
    assert zone_ids_covering(Point(5.018, 43.005, srid=4326), kind="neighbourhood") == []


def test_a_boundary_entirely_outside_the_commune_is_refused(admin_client):
    commune = make_commune(code="99001", bounds=(5.0, 43.0, 5.01, 43.01))
    outside = {"type": "MultiPolygon", "coordinates": [[[[6, 44], [6.1, 44], [6.1, 44.1], [6, 44]]]]}

    response = admin_client.post(
        "/admin/zones/zone/add/",
        {"kind": "neighbourhood", "commune": commune.id, "name": "Ailleurs", "boundary": json.dumps(outside)},
    )

    assert response.status_code == 200 and "aucune surface" in response.content.decode()
    assert not Zone.objects.exists()


def test_editing_a_commune_boundary_rebuilds_its_parts(admin_client):
    commune = make_commune(code="97411", name="Saint-Denis", bounds=(5.0, 43.0, 5.01, 43.01))
    moved = {
        "type": "MultiPolygon",
        "coordinates": [[[[55.44, -20.9], [55.49, -20.9], [55.49, -20.87], [55.44, -20.9]]]],
    }

    admin_client.post(
        f"/admin/zones/commune/{commune.id}/change/",
        {"code": "97411", "name": "Saint-Denis", "boundary": json.dumps(moved)},
    )

    commune.refresh_from_db()
    assert commune.metric_srid == 32740
    from zones.selectors import commune_of_point

    assert commune_of_point(Point(55.48, -20.89, srid=4326)) == commune
    assert commune_of_point(Point(5.005, 43.005, srid=4326)) is None
