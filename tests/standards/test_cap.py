"""The CAP 1.2 feed: every alert in it validates against the OASIS CAP 1.2 schema (the XSD beside
this file, written from the standard: see its header), the Atom wrapper has what Atom requires,
and public alerts never carry more than their grid cell."""

from pathlib import Path

import pytest
from django.test import Client
from lxml import etree

from alerts.follow_up import alert_follow_up_set
from alerts.models import Alert, AlertCategory
from delivery.broadcasts import broadcast_send
from delivery.models import Broadcast
from tests.auth import staff_client
from tests.factories import square

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("CAP-v1.2.xsd"))))
NS = {"atom": "http://www.w3.org/2005/Atom", "cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def feed(code: str = "99001"):
    response = Client().get(f"/cap/{code}.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return etree.fromstring(response.content)  # noqa: S320 - our own server's answer


def cap_alerts(root) -> list:
    return root.findall("atom:entry/atom:content/cap:alert", NS)


def text(alert, path: str) -> str:
    return alert.findtext(path, namespaces=NS)


def polygon_points(alert) -> list[tuple[float, float]]:
    points = []
    for polygon in alert.findall("cap:info/cap:area/cap:polygon", NS):
        pairs = [pair.split(",") for pair in polygon.text.split()]
        assert pairs[0] == pairs[-1] and len(pairs) >= 4  # CAP: closed, at least four pairs
        points += [(float(lon), float(lat)) for lat, lon in pairs]
    return points


@pytest.fixture
def messages(standards):
    world = standards.world
    broadcast_send(
        author=world.mayor,
        commune=world.commune,
        kind="weather",
        title="Orages violents cette nuit",
        body="Rentrez les objets du jardin.",
        target="commune",
        whole_commune_confirmed=True,
    )
    broadcast_send(
        author=world.mayor,
        commune=world.commune,
        kind="road_works",
        title="Travaux rue Haute",
        body="Circulation alternée.",
        target="neighbourhoods",
        neighbourhoods=[world.neighbourhood],
    )
    broadcast_send(
        author=world.mayor,
        commune=world.commune,
        kind="prevention",
        title="Vols de vélos",
        body="Attachez vos vélos.",
        target="area",
        area=square(5.001, 43.001, 5.003, 43.003),
    )
    AlertCategory.objects.filter(code="cambriolage").update(is_public=True)
    return standards


def test_every_alert_of_the_feed_is_valid_cap_1_2(messages):
    alerts = cap_alerts(feed())

    assert len(alerts) == 4  # three broadcasts and the public alert
    for alert in alerts:
        SCHEMA.assertValid(alert)


def test_broadcasts_map_kind_to_category_urgency_severity_and_cover_their_area(messages):
    by_headline = {text(a, "cap:info/cap:headline"): a for a in cap_alerts(feed())}

    storm = by_headline["Orages violents cette nuit"]
    assert [text(storm, f"cap:info/cap:{name}") for name in ("category", "urgency", "severity", "certainty")] == [
        "Met",
        "Expected",
        "Moderate",
        "Likely",
    ]
    assert text(storm, "cap:msgType") == "Alert" and text(storm, "cap:scope") == "Public"
    lons, lats = zip(*polygon_points(storm), strict=True)
    assert (min(lons), max(lons), min(lats), max(lats)) == pytest.approx((5.0, 5.02, 43.0, 43.02), abs=1e-5)
    works = by_headline["Travaux rue Haute"]
    assert text(works, "cap:info/cap:area/cap:areaDesc") == "Centre"
    assert max(lon for lon, _ in polygon_points(works)) == pytest.approx(5.01, abs=1e-5)
    bikes = by_headline["Vols de vélos"]
    assert max(lon for lon, _ in polygon_points(bikes)) == pytest.approx(5.003, abs=1e-5)


def test_a_public_alert_covers_its_grid_cell_never_a_point(messages):
    (alert,) = [a for a in cap_alerts(feed()) if text(a, "cap:identifier").startswith("vigie-alert-")]

    points = polygon_points(alert)
    lons, lats = zip(*points, strict=True)
    exact = messages.published.location
    assert min(lons) <= exact.x <= max(lons) and min(lats) <= exact.y <= max(lats)
    assert 0.0025 < max(lons) - min(lons) < 0.0036  # 250 m at 43° N
    assert all(abs(lon - exact.x) > 1e-5 for lon in lons)
    assert text(alert, "cap:info/cap:category") == "Security"


def test_categories_not_marked_public_stay_out(messages):
    identifiers = {text(a, "cap:identifier") for a in cap_alerts(feed("99002"))}

    assert identifiers == set()  # the other commune's alert is a vehicle theft, not public


def test_a_follow_up_is_an_update_and_a_withdrawal_a_cancel_referring_to_the_first_message(messages):
    alert = messages.published
    first = text(next(a for a in cap_alerts(feed()) if "vigie-alert" in text(a, "cap:identifier")), "cap:identifier")
    alert_follow_up_set(alert=alert, actor=messages.world.agent, follow_up="closed", outcome="Auteurs interpellés.")
    updated = next(a for a in cap_alerts(feed()) if "vigie-alert" in text(a, "cap:identifier"))
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.REJECTED)
    cancelled = next(a for a in cap_alerts(feed()) if "vigie-alert" in text(a, "cap:identifier"))

    assert text(updated, "cap:msgType") == "Update"
    assert text(updated, "cap:references").split(",")[1] == first
    assert text(updated, "cap:info/cap:urgency") == "Past"
    assert text(cancelled, "cap:msgType") == "Cancel"
    assert text(cancelled, "cap:references").split(",")[1] == first
    for cap in (updated, cancelled):
        SCHEMA.assertValid(cap)


def test_a_corrected_broadcast_is_an_update_and_a_withdrawn_one_a_cancel_referring_to_every_earlier_message(
    messages,
):
    storm = Broadcast.objects.get(title="Orages violents cette nuit")
    api = staff_client(messages.world.mayor)

    def storm_cap():
        (cap,) = [a for a in cap_alerts(feed()) if text(a, "cap:identifier").startswith(f"vigie-broadcast-{storm.pk}")]
        SCHEMA.assertValid(cap)
        return cap

    original = storm_cap()
    corrected = api.post(
        f"/api/broadcasts/{storm.pk}/correct/",
        {"title": "Orages violents demain soir", "body": "Rentrez les objets du jardin demain.", "note": "Date"},
        content_type="application/json",
    )
    assert corrected.status_code == 200, corrected.content
    update = storm_cap()
    withdrawn = api.post(
        f"/api/broadcasts/{storm.pk}/withdraw/", {"note": "Alerte levée"}, content_type="application/json"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    cancel = storm_cap()

    assert text(original, "cap:msgType") == "Alert" and original.find("cap:references", NS) is None
    assert text(update, "cap:msgType") == "Update"
    assert text(update, "cap:info/cap:headline") == "Orages violents demain soir"
    first = ",".join([text(original, "cap:sender"), text(original, "cap:identifier"), text(original, "cap:sent")])
    assert text(update, "cap:references") == first
    assert text(update, "cap:identifier") != text(original, "cap:identifier")
    assert text(cancel, "cap:msgType") == "Cancel"
    second = ",".join([text(update, "cap:sender"), text(update, "cap:identifier"), text(update, "cap:sent")])
    assert text(cancel, "cap:references").split(" ") == [first, second]
    # A withdrawn message can be neither corrected nor withdrawn again; nobody else may touch it.
    again = api.post(
        f"/api/broadcasts/{storm.pk}/correct/", {"title": "x", "body": "y"}, content_type="application/json"
    )
    assert again.status_code == 400 and "retiré" in again.content.decode()
    other = staff_client(messages.world.agent)
    assert other.post(f"/api/broadcasts/{storm.pk}/withdraw/", {}, content_type="application/json").status_code == 404


def test_the_atom_wrapper_has_what_atom_requires(messages):
    root = feed()

    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("atom:id", "atom:title", "atom:updated", "atom:author/atom:name"):
        assert root.findtext(name, namespaces=NS)
    for entry in root.findall("atom:entry", NS):
        assert entry.findtext("atom:id", namespaces=NS) and entry.findtext("atom:updated", namespaces=NS)
        assert entry.find("atom:content", NS).get("type") == "application/cap+xml"


def test_an_unknown_commune_is_not_found(standards):
    assert Client().get("/cap/00000.xml").status_code == 404
