"""Map pages and APIs: who may see what, and residents never get an exact location."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from pyproj import Transformer

from accounts.models import AccessLog
from tests.auth import resident_client, staff_client
from tests.factories import make_alert, make_neighbourhood
from tests.maps.live.helpers import publish

TO_LONLAT = Transformer.from_crs(2154, 4326, always_xy=True)
CDN_MARKERS = ("cdn.", "cdnjs", "jsdelivr", "code.jquery", "bootstrapcdn", "unpkg")


def point_near_a_cell_corner(cell_x: int, cell_y: int) -> Point:
    """A point 20 m inside the south-west corner of a 250 m Lambert-93 cell, so its generalised
    place (the centre) is about 105 m away on each axis: different from the fourth decimal."""
    lon, lat = TO_LONLAT.transform(cell_x * 250 + 20.0, cell_y * 250 + 20.0)
    return Point(lon, lat, srid=4326)


# A cell inside the test neighbourhood (5.0-5.01, 43.0-43.01).
EXACT = point_near_a_cell_corner(3454, 24855)


def exact_strings(point: Point) -> list[str]:
    strings = [repr(point.x), repr(point.y)]
    for precision in (4, 5, 6, 7):
        strings += [f"{point.x:.{precision}f}", f"{point.y:.{precision}f}"]
    return strings


def assert_no_exact_coordinates(body: str, point: Point) -> None:
    for text in exact_strings(point):
        assert text not in body, f"the exact coordinate {text} leaked"


@pytest.fixture
def neighbourhood_alert(world):
    assert world.neighbourhood.boundary.covers(EXACT)
    alert, _event = publish(world=world, location=EXACT, description="Tentative d'effraction rue des Lilas.")
    return alert


# --- police live map ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_police_live_map_page_loads_leaflet_from_the_app_and_nothing_from_a_cdn(world):
    response = staff_client(world.agent).get("/carte/police/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert not any(marker in html for marker in CDN_MARKERS)
    assert '<table id="alert-list"' in html


@pytest.mark.django_db
def test_the_police_live_map_is_for_police_agents_who_passed_two_factor(world):
    assert resident_client(world.resident).get("/carte/police/").status_code == 403
    # Without a second factor in this session, staff are sent to set it up first.
    response = resident_client(world.agent).get("/carte/police/")
    assert response.status_code == 302
    assert response["Location"].startswith("/securite/2fa/")
    assert staff_client(world.mayor).get("/carte/police/").status_code == 403
    anonymous = Client().get("/carte/police/")
    assert anonymous.status_code == 302


@pytest.mark.django_db
def test_an_agent_sees_the_recent_published_alerts_of_the_service_communes_at_their_exact_place(world):
    recent, _event = publish(world=world, location=EXACT)
    make_alert(commune=world.commune, location=EXACT, status="pending")
    make_alert(
        commune=world.commune,
        location=EXACT,
        status="published",
        published_at=timezone.now() - timedelta(hours=49),
    )
    make_alert(commune=world.other_commune, location=Point(5.105, 43.005, srid=4326), status="published")

    body = staff_client(world.agent).get("/api/maps/police/alerts/").json()

    assert [feature["id"] for feature in body["features"]] == [recent.id]
    assert body["features"][0]["geometry"]["coordinates"] == [EXACT.x, EXACT.y]
    assert body["features"][0]["properties"]["follow_up"] == "none"


@pytest.mark.django_db
def test_another_service_alert_and_sectors_are_out_of_an_agent_reach(world):
    foreign = make_alert(commune=world.other_commune, location=Point(5.105, 43.005, srid=4326), status="published")
    agent = staff_client(world.agent)

    assert agent.get(f"/api/maps/police/alerts/{foreign.id}/").status_code == 404
    sectors = agent.get("/api/maps/police/sectors/").json()
    assert [feature["properties"]["name"] for feature in sectors["features"]] == ["Secteur 1"]
    assert staff_client(world.other_agent).get(f"/api/maps/police/alerts/{foreign.id}/").status_code == 200
    assert resident_client(world.resident).get("/api/maps/police/alerts/").status_code == 403


# --- residents' neighbourhood map ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_resident_api_gives_the_cell_centre_and_never_the_exact_place(world, neighbourhood_alert):
    response = resident_client(world.resident).get("/api/maps/neighbourhood/alerts/")

    body = response.content.decode()
    assert response.status_code == 200
    (feature,) = response.json()["features"]
    assert feature["id"] == neighbourhood_alert.id
    lon, lat = feature["geometry"]["coordinates"]
    assert EXACT.distance(Point(lon, lat)) > 0.001  # moved by about 150 m
    assert_no_exact_coordinates(body, EXACT)
    assert "occurred_at" not in body and "published_at" not in body


@pytest.mark.django_db
def test_the_neighbourhood_page_shows_the_alert_without_exact_coordinates_or_cdn(world, neighbourhood_alert):
    response = resident_client(world.resident).get("/carte/quartier/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mon quartier : Centre" in html
    assert "Tentative d&#x27;effraction rue des Lilas." in html or "Tentative d'effraction rue des Lilas." in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert not any(marker in html for marker in CDN_MARKERS)
    assert "user-scalable=no" not in html
    assert_no_exact_coordinates(html, EXACT)


@pytest.mark.django_db
def test_a_resident_sees_the_follow_up_of_their_own_alerts_only(world, neighbourhood_alert):
    own = make_alert(
        commune=world.commune, location=EXACT, author=world.resident, status="published", follow_up="in_progress"
    )
    neighbourhood_alert.follow_up = "closed"
    neighbourhood_alert.save()

    features = resident_client(world.resident).get("/api/maps/neighbourhood/alerts/").json()["features"]
    html = resident_client(world.resident).get("/carte/quartier/").content.decode()

    follow_ups = {feature["id"]: feature["properties"]["follow_up"] for feature in features}
    assert follow_ups == {own.id: "in_progress", neighbourhood_alert.id: None}
    assert "Suivi de mes alertes" in html and "intervention en cours" in html
    assert "clôturée" not in html


@pytest.mark.django_db
def test_a_resident_of_another_commune_or_an_unverified_one_sees_nothing_of_this_neighbourhood(
    world, neighbourhood_alert
):
    other = resident_client(world.other_resident).get("/api/maps/neighbourhood/alerts/").json()
    assert other["features"] == []
    assert resident_client(world.agent).get("/api/maps/neighbourhood/alerts/").status_code == 403
    assert staff_client(world.agent).get("/carte/quartier/").status_code == 403


@pytest.mark.django_db
def test_an_alert_older_than_30_days_or_outside_the_neighbourhood_is_not_on_the_resident_map(world):
    make_alert(
        commune=world.commune, location=EXACT, status="published", published_at=timezone.now() - timedelta(days=31)
    )
    make_alert(commune=world.commune, location=Point(5.015, 43.015, srid=4326), status="published")
    on_border = make_alert(commune=world.commune, location=Point(5.01, 43.005, srid=4326), status="published")

    features = resident_client(world.resident).get("/api/maps/neighbourhood/alerts/").json()["features"]

    assert [feature["id"] for feature in features] == [on_border.id]


# --- mayor's commune map -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_mayor_filters_the_commune_alerts_and_reaches_the_statistics(world):
    burglary = make_alert(commune=world.commune, location=EXACT, status="published", category="cambriolage")
    make_alert(commune=world.commune, location=EXACT, status="published", category="tag")
    outside_neighbourhood = make_alert(
        commune=world.commune, location=Point(5.015, 43.015, srid=4326), status="published", category="cambriolage"
    )
    mayor = staff_client(world.mayor)

    by_family = mayor.get("/carte/commune/99001/", {"family": "burglary"}).content.decode()
    by_zone = mayor.get("/carte/commune/99001/", {"zone": world.neighbourhood.id, "family": "burglary"})

    assert "2 alertes." in by_family
    assert 'href="/statistiques/99001/"' in by_family
    assert "1 alerte." in by_zone.content.decode(), by_zone.context["form"].errors
    ids = [feature["id"] for feature in by_zone.context["map_data"]["alerts"]["features"]]
    assert ids == [burglary.id]
    assert outside_neighbourhood.id not in ids
    assert_no_exact_coordinates(by_family, EXACT)


@pytest.mark.django_db
def test_the_commune_map_of_another_commune_is_not_found_and_bad_filters_are_explained(world):
    mayor = staff_client(world.mayor)

    assert mayor.get("/carte/commune/99002/").status_code == 404
    assert staff_client(world.agent).get("/carte/commune/99001/").status_code == 404
    bad = mayor.get("/carte/commune/99001/", {"since": "2026-02-10", "until": "2026-01-01"})
    assert bad.status_code == 200
    assert "La date de début doit précéder la date de fin." in bad.content.decode()
    assert mayor.get("/carte/commune/99001/", {"since": "pas une date"}).status_code == 200


def test_the_neighbourhood_page_lists_the_town_hall_messages_sent_to_the_resident_only(world):
    from delivery.broadcasts import broadcast_send
    from delivery.models import Broadcast

    elsewhere = make_neighbourhood(commune=world.commune, name="Est", bounds=(5.01, 43.0, 5.02, 43.01))
    for title, neighbourhood in (("Travaux rue Haute", world.neighbourhood), ("Fête au quartier Est", elsewhere)):
        broadcast_send(
            author=world.mayor,
            commune=world.commune,
            kind=Broadcast.Kind.ROAD_WORKS,
            title=title,
            body="Circulation alternée.",
            target=Broadcast.Target.NEIGHBOURHOODS,
            neighbourhoods=[neighbourhood],
        )

    html = resident_client(world.resident).get("/carte/quartier/").content.decode()

    assert "Travaux rue Haute" in html
    assert "Fête au quartier Est" not in html


@pytest.mark.django_db
def test_an_agent_opening_one_alert_is_logged_and_the_map_list_is_not(world):
    alert = make_alert(commune=world.commune, location=EXACT, status="published")
    agent = staff_client(world.agent)

    agent.get("/api/maps/police/alerts/")
    assert not AccessLog.objects.exists()
    agent.get(f"/api/maps/police/alerts/{alert.id}/")

    line = AccessLog.objects.get()
    assert (line.viewer, line.kind, line.object_id, line.commune_id) == (
        world.agent,
        AccessLog.Kind.ALERT_LOCATION,
        alert.id,
        world.commune.id,
    )


@pytest.mark.django_db
def test_police_see_the_structured_parts_and_the_confirmations_residents_the_parts_only(world):
    from alerts.models import AlertConfirmation
    from tests.factories import make_resident

    alert, _event = publish(
        world=world, location=EXACT, behaviour="Ils sautaient la clôture.", vehicle_type="van", vehicle_colour="white"
    )
    for _ in range(2):
        AlertConfirmation.objects.create(alert=alert, resident=make_resident(commune=world.commune, home=EXACT))
    (feature,) = staff_client(world.agent).get("/api/maps/police/alerts/").json()["features"]
    assert feature["properties"]["confirmations"] == 2
    assert feature["properties"]["details"] == (
        "Ce que les personnes faisaient : Ils sautaient la clôture. · Véhicule : camionnette, blanc"
    )
    body = resident_client(world.resident).get("/api/maps/neighbourhood/alerts/").json()
    properties = [f["properties"] for f in body["features"] if f["id"] == alert.id]
    assert properties and "confirmations" not in properties[0]
    assert "camionnette, blanc" in properties[0]["details"]
