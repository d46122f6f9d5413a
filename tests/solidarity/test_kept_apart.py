"""A solidarity request is not an incident: it never reaches the police live map or its event
stream, police deliveries, the open feeds or the crime figures, and the statistics count it apart."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from alerts.models import AlertEvent
from delivery.events import police_events_after
from delivery.models import Delivery
from maps.live.selectors import police_alerts, police_live_alerts
from solidarity.models import SolidarityOffer, SolidarityRequest
from solidarity.services import (
    RequestInput,
    solidarity_offer_decide,
    solidarity_offer_make,
    solidarity_request_moderate,
    solidarity_request_post,
)
from tests.auth import staff_client
from tests.factories import make_alert

pytestmark = pytest.mark.django_db
MARKER = "Chat tigré Zébulon-Quinquina"
# What the police, the town hall and the public read about incidents.
SECURITY_PAGES = [
    ("police_a", "/carte/police/"),
    ("police_a", "/api/maps/police/alerts/"),
    ("police_a", "/api/police/events/"),
    ("police_a", "/patrouille/"),
    ("mayor_a", "/carte/commune/{code}/"),
    ("mayor_a", "/statistiques/{code}/zones.csv"),
    ("anonymous", "/cap/{code}.xml"),
    ("anonymous", "/open311/v2/requests.json?jurisdiction_id={code}"),
    ("anonymous", "/ogc/collections/alerts/items?bbox=4.9,42.9,5.3,43.2"),
    ("anonymous", "/compte-public/{code}/compte.json"),
]


@pytest.fixture
def lost_cat(world, neighbours) -> SolidarityRequest:
    author = world.people["resident_a"]
    request = solidarity_request_post(
        author=author,
        residence=author.residence,
        data=RequestInput(kind="lost_animal", species="cat", what=MARKER, place="square Jean-Jaurès"),
    )
    solidarity_request_moderate(request=request, moderator=world.people["moderator_a"], action="publish")
    offer = solidarity_offer_make(request=request, helper=neighbours["helper"])
    solidarity_offer_decide(offer=offer, author=author, accept=True)
    return request


def test_a_published_request_reaches_neither_the_police_map_nor_its_stream_nor_a_delivery(world, lost_cat):
    burglary = make_alert(commune=world.commune_a, location=Point(5.01, 43.015, srid=4326), status="published")
    service_ids = [world.police_a.id]

    assert list(police_alerts(service_ids)) == [burglary]
    assert list(police_live_alerts(service_ids)) in ([], [burglary])
    assert list(police_events_after(user=world.people["police_a"])) == []
    assert AlertEvent.objects.count() == 0
    # The neighbours, the author and the helper were told in their inboxes; no police agent was.
    solidarity_kinds = [Delivery.Kind.SOLIDARITY, Delivery.Kind.SOLIDARITY_OFFER, Delivery.Kind.SOLIDARITY_ACCEPTED]
    assert set(Delivery.objects.values_list("kind", flat=True)) == set(solidarity_kinds)
    assert not Delivery.objects.filter(recipient=world.people["police_a"]).exists()
    assert not Delivery.objects.filter(recipient__roles__kind="police_agent").exists()


def test_no_security_page_or_feed_shows_a_solidarity_request(world, lost_cat):
    leaks = []
    for role, url in SECURITY_PAGES:
        response = world.client(role).get(url.format(code=world.commune_a.code))
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if MARKER in body.decode():
            leaks.append(url)

    assert leaks == []


def test_the_dashboard_counts_solidarity_requests_in_a_section_of_their_own(world, lost_cat):
    lost_cat.published_at = timezone.make_aware(dt.datetime(2026, 6, 15, 12))
    lost_cat.save()
    mayor = staff_client(world.people["mayor_a"])

    page = mayor.get(f"/statistiques/{world.commune_a.code}/", {"from": "2026-01", "to": "2026-12"}).content.decode()

    section = page.split('id="solidarity"')[1].split("</section>")[0]
    assert '<tr data-kind="lost_animal"><td>Animal perdu</td><td class="n">1</td><td class="n">1</td>' in section
    assert '<tr data-kind="check_on"><td>Prendre des nouvelles' in section and '<td class="n">0</td>' in section
    assert SolidarityOffer.objects.filter(status="accepted").count() == 1
    # Another commune's dashboard is refused, and its figures never include A's requests.
    assert staff_client(world.people["mayor_a"]).get(f"/statistiques/{world.commune_b.code}/").status_code == 404


def test_the_public_account_counts_solidarity_requests_in_their_own_section(world, lost_cat):
    published = timezone.make_aware(dt.datetime(timezone.now().year, 3, 10, 12))
    SolidarityRequest.objects.bulk_create(
        SolidarityRequest(
            kind="lost_animal",
            author=world.people["resident_a"],
            commune=world.commune_a,
            species="dog",
            what="Chien",
            place="parc",
            status=SolidarityRequest.Status.PUBLISHED,
            published_at=published,
            expires_at=published + dt.timedelta(days=7),
        )
        for _ in range(12)
    )

    response = world.client("anonymous").get(f"/compte-public/{world.commune_a.code}/compte.json")

    year = str(published.year)
    figures = {(f["section"], f["measure"]): f for f in response.json()["figures"] if f["period"] == year}
    assert abs(figures[("solidarity", "lost_animal")]["value"] - 13) <= 2
    assert figures[("alerts", "received")]["value"] in (None, 0)  # not one alert in the commune
    page = world.client("anonymous").get(f"/compte-public/{world.commune_a.code}/").content.decode()
    assert "Entraide entre voisins (comptée à part des alertes)" in page
