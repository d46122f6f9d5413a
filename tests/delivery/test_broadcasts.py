import datetime as dt
import html
import json
import re

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Residence, Role
from delivery.models import Broadcast, Delivery, NotificationPreference
from tests.auth import resident_client, staff_client
from tests.delivery.conftest import BORDER_LON, resident_at
from tests.factories import UserFactory, make_commune, make_resident, make_role

pytestmark = [pytest.mark.django_db]


def polygon(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def mayor(town):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town.commune)
    return user


def send(client, **payload):
    body = {"kind": "prevention", "title": "Vague de cambriolages", "body": "Fermez vos portes.", **payload}
    return client.post("/api/broadcasts/send/", json.dumps(body), content_type="application/json")


def test_broadcast_to_a_drawn_area_reaches_homes_inside_it_including_on_its_edge(
    town, mayor, _queued_dispatches, django_capture_on_commit_callbacks
):
    inside = resident_at(town, 5.004, 43.004)
    on_edge = resident_at(town, 5.006, 43.004)  # exactly on the area's eastern edge
    outside = resident_at(town, 5.008, 43.004)
    unverified = resident_at(town, 5.003, 43.004, status=Residence.Status.PENDING)

    client = staff_client(mayor)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, commune=town.commune.id, target="area", area=polygon(5.002, 43.002, 5.006, 43.006))

    assert response.status_code == 201, response.json()
    broadcast = Broadcast.objects.get(id=response.json()["id"])
    recipients = set(Delivery.objects.filter(broadcast=broadcast).values_list("recipient_id", flat=True))
    assert recipients == {inside.id, on_edge.id}
    assert outside.id not in recipients and unverified.id not in recipients
    assert response.json()["recipients"] == 2
    assert _queued_dispatches == [("broadcast", broadcast.id)]


def test_broadcast_to_chosen_neighbourhoods_and_to_the_whole_commune(town, mayor):
    north, south = resident_at(town, 5.005), resident_at(town, BORDER_LON + 0.005)
    client = staff_client(mayor)
    one = send(client, commune=town.commune.id, target="neighbourhoods", neighbourhoods=[town.south.id]).json()
    assert set(Delivery.objects.filter(broadcast_id=one["id"]).values_list("recipient_id", flat=True)) == {south.id}
    everyone = send(
        client, commune=town.commune.id, target="commune", kind="weather", whole_commune_confirmed=True
    ).json()
    assert set(Delivery.objects.filter(broadcast_id=everyone["id"]).values_list("recipient_id", flat=True)) == {
        north.id,
        south.id,
    }


def test_an_area_drawn_over_the_neighbouring_town_reaches_and_counts_only_the_sender_s_residents(town, mayor):
    """Testville runs to lon 5.02; Voisinville starts there."""
    neighbour_town = make_commune(code="99005", name="Voisinville", bounds=(5.02, 43.0, 5.04, 43.02))
    ours = resident_at(town, 5.015, 43.004)
    theirs = make_resident(commune=neighbour_town, home=Point(5.025, 43.004, srid=4326))

    response = send(staff_client(mayor), commune=town.commune.id, target="area", area=polygon(5.01, 43.0, 5.03, 43.01))

    assert response.status_code == 201, response.json()
    assert response.json()["recipients"] == 1
    recipients = set(
        Delivery.objects.filter(broadcast_id=response.json()["id"]).values_list("recipient_id", flat=True)
    )
    assert recipients == {ours.id} and theirs.id not in recipients


@pytest.mark.parametrize(
    ("area", "message"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [[[5.0, 43.0], [5.01, 43.01], [5.01, 43.0], [5.0, 43.01], [5.0, 43.0]]],
            },
            "valide",
        ),
        (polygon(8.0, 48.0, 8.1, 48.1), "ne touche pas"),
        ({"type": "Point", "coordinates": [5.0, 43.0]}, "polygone"),
        ("pas du geojson", "lisible"),
        ({"type": "Polygon"}, "lisible"),
    ],
)
def test_a_bad_area_is_refused_with_a_clear_message(town, mayor, area, message):
    response = send(staff_client(mayor), commune=town.commune.id, target="area", area=area)
    assert response.status_code == 400
    assert message in json.dumps(response.json(), ensure_ascii=False)
    assert not Broadcast.objects.exists()


def test_only_the_staff_of_the_commune_may_broadcast_and_see_the_history(town, mayor):
    send(staff_client(mayor), commune=town.commune.id, target="commune", whole_commune_confirmed=True)
    stranger = UserFactory()
    make_role(
        user=stranger,
        kind=Role.Kind.MUNICIPAL_STAFF,
        commune=make_commune(code="99004", name="Ailleurs", bounds=(7, 45, 7.1, 45.1)),
    )
    assert (
        send(
            staff_client(stranger), commune=town.commune.id, target="commune", whole_commune_confirmed=True
        ).status_code
        == 400
    )
    assert staff_client(stranger).get("/api/broadcasts/").json()["results"] == []
    broadcast = Broadcast.objects.get()
    assert staff_client(stranger).get(f"/api/broadcasts/{broadcast.id}/").status_code == 404
    assert staff_client(stranger).get(f"/mairie/messages/{broadcast.id}/").status_code == 404

    history = staff_client(mayor).get("/api/broadcasts/").json()["results"]
    assert [item["title"] for item in history] == ["Vague de cambriolages"]
    detail = staff_client(mayor).get(f"/api/broadcasts/{broadcast.id}/").json()
    assert {"pending", "sent", "failed", "skipped", "read", "pending_quiet_hours"} <= set(detail["deliveries"])
    assert "Vague de cambriolages" in staff_client(mayor).get("/mairie/messages/").content.decode()


def test_a_resident_cannot_open_the_broadcast_page(town):
    assert resident_client(resident_at(town, 5.005)).get("/mairie/messages/").status_code == 404


def preview_then_send(client, form: dict, **extra):
    """The page's two steps: the first click previews, the second sends what was previewed."""
    preview = client.post("/mairie/messages/", form)
    assert preview.status_code == 200 and not Broadcast.objects.exists()
    digest = re.search(r'name="previewed" value="([0-9a-f]{64})"', preview.content.decode()).group(1)
    return client.post("/mairie/messages/", {**form, "previewed": digest, "step": "send", **extra})


def test_broadcast_page_form_sends_to_a_drawn_area(town, mayor):
    inside = resident_at(town, 5.004, 43.004)
    response = preview_then_send(
        staff_client(mayor),
        {
            "commune": town.commune.id,
            "kind": "road_works",
            "title": "Travaux rue Haute",
            "body": "Circulation alternée lundi.",
            "target": "area",
            "area": json.dumps(polygon(5.002, 43.002, 5.006, 43.006)),
            "by_email": "on",
        },
    )
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.kind == "road_works" and broadcast.area is not None
    assert list(Delivery.objects.filter(broadcast=broadcast).values_list("recipient_id", flat=True)) == [inside.id]


def test_the_page_chooses_the_only_commune_and_takes_a_pasted_area_without_javascript(town, mayor):
    client = staff_client(mayor)
    page = html.unescape(client.get("/mairie/messages/").content.decode())
    assert f'<option value="{town.commune.id}" selected>' in page
    assert "Sans la carte : zone en GeoJSON" in page and "Si la carte ne s'affiche pas" in page

    inside = resident_at(town, 5.004, 43.004)
    response = preview_then_send(
        client,
        {
            "commune": town.commune.id,
            "kind": "road_works",
            "title": "Travaux",
            "body": "Rue fermée demain.",
            "target": "area",
            "area": json.dumps(polygon(5.002, 43.002, 5.006, 43.006)),
            "by_email": "on",
        },
    )
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert set(Delivery.objects.filter(broadcast=broadcast).values_list("recipient_id", flat=True)) == {inside.id}


def test_a_mayor_of_two_communes_chooses_which(town, mayor):
    other = make_commune(code="99006", name="Autreville", bounds=(6.5, 44.0, 6.52, 44.02))
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=other)
    page = staff_client(mayor).get("/mairie/messages/").content.decode()
    assert '<option value="" selected>' in page


def test_the_whole_commune_is_told_only_after_a_preview_and_an_explicit_confirmation(town, mayor):
    north, south = resident_at(town, 5.005), resident_at(town, BORDER_LON + 0.005)
    NotificationPreference.objects.create(user=south, by_email=True, by_sms=True, phone_number="+33600000000")
    client = staff_client(mayor)
    form = {"commune": town.commune.id, "kind": "information", "title": "Fête", "body": "Samedi.", "target": "commune"}
    form |= {"by_email": "on", "by_sms": "on"}

    page = html.unescape(client.post("/mairie/messages/", form).content.decode())
    assert not Broadcast.objects.exists()  # the first click only previews
    assert "2 habitants inscrits au total" in page and "par courriel : 2" in page and "par SMS : 1" in page
    assert "Objet :</strong> Vigie · Fête" in page and "Samedi." in page and "Vigie · Fête." in page  # email, SMS
    assert "Je confirme l'envoi à toute la commune" in page

    unconfirmed = preview_then_send(client, form)
    assert unconfirmed.status_code == 200 and not Broadcast.objects.exists()
    assert "Confirmez l'envoi à toute la commune" in html.unescape(unconfirmed.content.decode())
    # Changed after its preview: shown again, not sent.
    digest = re.search(r'name="previewed" value="([0-9a-f]{64})"', page).group(1)
    changed = {**form, "body": "Dimanche.", "previewed": digest, "step": "send", "whole_commune_confirmed": "on"}
    assert "a changé depuis l'aperçu" in html.unescape(client.post("/mairie/messages/", changed).content.decode())
    assert not Broadcast.objects.exists()

    sent = preview_then_send(client, form, whole_commune_confirmed="on")
    assert sent.status_code == 302
    broadcast = Broadcast.objects.get()
    recipients = set(Delivery.objects.filter(broadcast=broadcast).values_list("recipient_id", flat=True))
    assert recipients == {north.id, south.id}
    assert send(client, commune=town.commune.id, target="commune").status_code == 400  # the API asks it too


def test_the_preview_counts_the_same_audience_the_sending_reaches(town, mayor, settings):
    resident_at(town, 5.005)
    asleep = resident_at(town, BORDER_LON + 0.005)
    inbox_only = resident_at(town, 5.004)
    NotificationPreference.objects.create(
        user=asleep, by_email=True, quiet_start=dt.time(0, 0), quiet_end=dt.time(23, 59, 59, 999999)
    )
    NotificationPreference.objects.create(user=inbox_only, by_email=False)
    form = {"commune": town.commune.id, "kind": "information", "title": "Fête", "body": "Samedi.", "target": "commune"}
    client = staff_client(mayor)
    page = html.unescape(client.post("/mairie/messages/", {**form, "by_email": "on"}).content.decode())
    assert "3 habitants inscrits au total" in page and "par courriel : 2" in page
    assert "boîte Vigie seulement (ni courriel ni SMS choisis) : 1" in page
    assert "jusqu'à la fin de leurs heures calmes : 1" in page

    response = preview_then_send(client, {**form, "by_email": "on"}, whole_commune_confirmed="on")
    detail = html.unescape(client.get(response["Location"]).content.decode())
    assert Broadcast.objects.get().recipients == 3
    assert "Retardés jusqu'à la fin des heures calmes de l'habitant</dt><dd>1" in detail
    assert "en attente (heures calmes" not in detail.lower()


def test_the_drawing_map_gets_the_neighbourhood_outlines_and_names(town, mayor):
    page = staff_client(mayor).get("/mairie/messages/").content.decode()
    config = json.loads(re.search(r'id="broadcast-map-config"[^>]*>(.*?)</script>', page, re.S).group(1))
    names = {feature["properties"]["name"] for feature in config["neighbourhoods"]["features"]}
    assert names == {town.north.name, town.south.name}
    assert all(f["properties"]["commune"] == town.commune.id for f in config["neighbourhoods"]["features"])


def test_the_page_corrects_then_withdraws_a_message_and_waiting_deliveries_are_not_sent(town, mayor):
    north = resident_at(town, 5.005)
    client = staff_client(mayor)
    sent = send(client, commune=town.commune.id, target="neighbourhoods", neighbourhoods=[town.north.id]).json()
    page = f"/mairie/messages/{sent['id']}/"
    Delivery.objects.filter(broadcast_id=sent["id"]).update(status=Delivery.Status.PENDING, email_status="pending")

    unchanged = client.post(
        page, {"action": "correct", "title": "Vague de cambriolages", "body": "Fermez vos portes."}
    )
    assert unchanged.status_code == 400 and "ne change rien" in html.unescape(unchanged.content.decode())
    corrected = client.post(page, {"action": "correct", "title": "Vague de vols", "body": "Fermez vos garages."})
    assert corrected.status_code == 302
    inbox = resident_client(north).get("/api/inbox/").json()["results"]
    assert [item["title"] for item in inbox] == ["Vague de vols"]
    assert client.post(page, {"action": "withdraw", "note": "Erreur de quartier"}).status_code == 302

    shown = html.unescape(client.get(page).content.decode())
    assert "Message retiré le" in shown and "Vague de cambriolages" in shown  # the replaced text, in the history
    assert "Corriger le message" not in shown
    delivery = Delivery.objects.get(broadcast_id=sent["id"], recipient=north)
    assert (delivery.status, delivery.email_status, delivery.reason) == ("skipped", "skipped", "withdrawn")
    inbox = resident_client(north).get("/api/inbox/").json()["results"]
    assert inbox[0]["title"] == "Message retiré : Vague de vols"
