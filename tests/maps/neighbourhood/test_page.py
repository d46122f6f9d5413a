"""The neighbourhood map page reads its alerts through SQL of its own: it must show exactly what
the API (djangorestframework-gis) gives the same resident, and never more."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.auth import resident_client
from tests.factories import make_alert, make_neighbourhood, make_resident
from tests.maps.live.test_pages import EXACT, assert_no_exact_coordinates

INSIDE = Point(5.003, 43.002, srid=4326)
ON_BORDER = Point(5.01, 43.005, srid=4326)  # the east edge of Centre (5.0-5.01)
OUTSIDE = Point(5.015, 43.015, srid=4326)  # in the commune, in no neighbourhood of the resident


def page_and_api(user):
    client = resident_client(user)
    page = client.get("/carte/quartier/")
    api = client.get("/api/maps/neighbourhood/alerts/")
    assert page.status_code == 200 and api.status_code == 200
    return page, api.json()["features"]


def rounded(rows: list[dict]) -> list[dict]:
    """Coordinates to 1e-9 degree (under a millimetre): GEOS writes the API's GeoJSON with one digit
    fewer than PostgreSQL gives the page."""
    return [{**row, "lon": round(row["lon"], 9), "lat": round(row["lat"], 9)} for row in rows]


def as_api_says(features) -> list[dict]:
    """What the page shows of each alert, read from the API's features."""
    return rounded(
        {
            "id": feature["id"],
            "lon": feature["geometry"]["coordinates"][0],
            "lat": feature["geometry"]["coordinates"][1],
            **{
                key: feature["properties"][key]
                for key in ("category_label", "family", "occurred_on", "description", "details", "is_own")
            },
            "follow_up_label": feature["properties"]["follow_up_label"],
        }
        for feature in features
    )


@pytest.mark.django_db
def test_the_page_shows_the_alerts_the_api_gives_at_the_same_cell_centres(world):
    publish = {"commune": world.commune, "status": "published"}
    inside = make_alert(location=EXACT, behaviour="deux personnes regardaient les boîtes aux lettres", **publish)
    vehicle = {"vehicle_type": "car", "vehicle_colour": "white", "direction": "north"}
    on_border = make_alert(location=ON_BORDER, **vehicle, **publish)
    make_alert(location=OUTSIDE, **publish)
    make_alert(location=INSIDE, published_at=timezone.now() - timedelta(days=31), **publish)
    make_alert(location=INSIDE, commune=world.other_commune, status="published")
    make_alert(location=INSIDE, commune=world.commune, status="pending")
    own_elsewhere = make_alert(location=OUTSIDE, author=world.resident, follow_up="in_progress", **publish)

    page, features = page_and_api(world.resident)

    rows = page.context["alerts"]
    assert rounded(rows) == as_api_says(features)
    assert {row["id"] for row in rows} == {inside.id, on_border.id, own_elsewhere.id}
    assert [row["follow_up_label"] for row in rows if row["is_own"]] == ["intervention en cours"]
    assert all(row["follow_up_label"] is None for row in rows if not row["is_own"])
    assert sum(1 for row in rows if row["details"]) == 2
    assert_no_exact_coordinates(page.content.decode(), EXACT)


@pytest.mark.django_db
def test_a_home_on_a_shared_border_sees_both_neighbourhoods_and_a_home_in_none_the_commune(world):
    make_neighbourhood(commune=world.commune, name="Est", bounds=(5.01, 43.0, 5.02, 43.01))
    on_border_home = make_resident(commune=world.commune, home=Point(5.01, 43.004, srid=4326))
    nowhere_home = make_resident(commune=world.commune, home=Point(5.015, 43.015, srid=4326))
    publish = {"commune": world.commune, "status": "published"}
    west, east, north = (make_alert(location=point, **publish) for point in (INSIDE, Point(5.015, 43.005), OUTSIDE))

    border_page, border_features = page_and_api(on_border_home)
    nowhere_page, nowhere_features = page_and_api(nowhere_home)

    assert "Mon quartier : Centre / Est" in border_page.content.decode()
    assert {row["id"] for row in border_page.context["alerts"]} == {west.id, east.id}
    assert rounded(border_page.context["alerts"]) == as_api_says(border_features)
    assert "Mon quartier : Testville" in nowhere_page.content.decode()
    assert {row["id"] for row in nowhere_page.context["alerts"]} == {west.id, east.id, north.id}
    assert rounded(nowhere_page.context["alerts"]) == as_api_says(nowhere_features)


@pytest.mark.django_db
def test_the_page_queries_do_not_grow_with_its_alerts(world):
    client = resident_client(world.resident)
    make_alert(location=INSIDE, commune=world.commune, status="published")
    client.get("/carte/quartier/")
    with CaptureQueriesContext(connection) as one:
        client.get("/carte/quartier/")
    for _ in range(5):
        make_alert(location=INSIDE, commune=world.commune, status="published")
    with CaptureQueriesContext(connection) as six:
        response = client.get("/carte/quartier/")

    assert len(response.context["alerts"]) == 6
    assert len(six) == len(one)


@pytest.mark.django_db
def test_the_town_hall_messages_of_the_window_show_newest_first_with_their_kind(world, settings):
    from delivery.models import Broadcast, Delivery

    now = timezone.now()
    for title, days_ago in (("Réunion publique", 2), ("Coupure d'eau", 1), ("Vide-grenier d'antan", 40)):
        broadcast = Broadcast.objects.create(
            commune=world.commune,
            kind=Broadcast.Kind.ROAD_WORKS,
            title=title,
            body="Rue Haute.",
            target=Broadcast.Target.COMMUNE,
            created_at=now - timedelta(days=days_ago),
        )
        Delivery.objects.create(recipient=world.resident, kind=Delivery.Kind.BROADCAST, broadcast=broadcast)
    settings.MAPS_RESIDENT_DAYS = 30

    html = resident_client(world.resident).get("/carte/quartier/").content.decode()

    assert html.index("Coupure d&#x27;eau") < html.index("Réunion publique")
    assert "Vide-grenier" not in html
    assert html.count(str(Broadcast.Kind.ROAD_WORKS.label)) == 2
