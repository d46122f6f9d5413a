"""The structured form, the author's reading aids, "je l'ai vu aussi" and appeals, through the API
and the pages, against the real database."""

import json
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.personal_data import personal_data_export
from accounts.services import user_delete
from alerts import participation
from alerts.models import Alert, AlertAppeal, AlertConfirmation
from alerts.models.moderation import AlertTransition
from tests.alerts.conftest import accept, staff
from tests.auth import resident_client, staff_client
from tests.factories import make_alert, make_neighbourhood, make_resident

pytestmark = pytest.mark.django_db

HERE = Point(5.01, 43.01, srid=4326)
# About 110 m and 220 m north of HERE.
NEAR = Point(5.01, 43.011, srid=4326)
FAR = Point(5.01, 43.012, srid=4326)


def post(client, **overrides):
    data = {
        "lon": 5.01,
        "lat": 43.01,
        "occurred_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "category": "cambriolage",
        "description": "Deux personnes ont forcé la porte du garage au fond de l'impasse.",
        "emergency_notice_acknowledged": True,
        **overrides,
    }
    return client.post("/api/alerts/", data, content_type="application/json")


@pytest.fixture
def other_resident(commune, charter):
    return accept(make_resident(commune=commune, home=Point(5.011, 43.011, srid=4326)), charter)


@pytest.fixture
def second_moderator(commune):
    return staff(Role.Kind.MODERATOR, commune=commune)


# --- the structured form -----------------------------------------------------------------------


def test_the_structured_parts_are_stored_and_read_back_by_staff_and_residents(
    resident_api, other_resident, moderator_api, commune
):
    response = post(
        resident_api,
        behaviour="Ils essayaient les poignées des portières une à une.",
        vehicle_type="van",
        vehicle_colour="white",
        direction="north_east",
    )
    assert response.status_code == 201, response.json()
    alert = Alert.objects.get(pk=response.json()["id"])
    assert (alert.behaviour, alert.vehicle_type, alert.vehicle_colour, alert.direction) == (
        "Ils essayaient les poignées des portières une à une.",
        "van",
        "white",
        "north_east",
    )
    staff_view = moderator_api.get(f"/api/alerts/{alert.pk}/").json()
    assert staff_view["vehicle_type_label"] == "camionnette" and staff_view["direction_label"] == "vers le nord-est"
    assert staff_view["confirmations"] == 0
    alert.status = Alert.Status.PUBLISHED
    alert.save()
    resident_view = resident_client(other_resident).get(f"/api/alerts/{alert.pk}/").json()
    assert resident_view["vehicle_colour_label"] == "blanc" and resident_view["behaviour"].startswith("Ils essayaient")
    assert resident_view["confirmations"] is None and "location" not in resident_view


def test_an_unknown_choice_is_refused_by_field(resident_api):
    response = post(resident_api, vehicle_type="AB-123-CD", direction="rue des Halles")
    assert response.status_code == 400
    body = response.json()
    assert body["vehicle_type"] == ["Choix inconnu : « AB-123-CD »."]
    assert body["direction"] == ["Choix inconnu : « rue des Halles »."]
    assert not Alert.objects.exists()


def test_the_posting_page_offers_the_structured_fields_without_a_plate_field(resident_api):
    page = resident_api.get("/alertes/nouvelle/").content.decode()
    for name in ("behaviour", "vehicle_type", "vehicle_colour", "direction", "description"):
        assert f'name="{name}"' in page
    assert "plate" not in page and "immatriculation</label>" not in page
    assert 'id="posting-config"' in page and 'id="doublons-possibles"' in page


# --- the author's reading aids -------------------------------------------------------------------


def test_the_author_gets_the_moderators_highlights_with_why(resident_api):
    text = "Un homme basané avec Kevin Moreau, voiture AB-123-CD, appelez le 06 12 34 56 78."
    response = resident_api.post("/api/posting/highlights/", {"text": text}, content_type="application/json")
    assert response.status_code == 200
    spans = {text[s["start"] : s["end"]]: s for s in response.json()}
    assert {k: s["kind"] for k, s in spans.items()} == {
        "basané": "appearance",
        "Kevin Moreau": "name",
        "AB-123-CD": "plate",
        "06 12 34 56 78": "phone",
    }
    assert "pas leur apparence" in spans["basané"]["explanation"]
    assert "la plaque va à la police" in spans["AB-123-CD"]["explanation"]


def test_a_car_colour_is_not_an_appearance_word(resident_api):
    text = "Une voiture noire et une camionnette blanche sont reparties vite."
    assert resident_api.post("/api/posting/highlights/", {"text": text}, content_type="application/json").json() == []


def test_the_highlights_need_an_account(client):
    assert client.post("/api/posting/highlights/", {"text": "x"}, content_type="application/json").status_code == 403


# --- possible duplicates and "je l'ai vu aussi" ----------------------------------------------------


def nearby(client, **params):
    query = {"lon": 5.01, "lat": 43.01, "occurred_at": timezone.now().isoformat(), **params}
    return client.get("/api/posting/nearby/", query)


def test_the_author_sees_alerts_within_150_m_and_2_hours_without_their_author_or_place(
    resident_api, other_resident, commune, neighbour
):
    now = timezone.now()
    pending = make_alert(commune=commune, location=NEAR, author=other_resident, description="Texte non modéré")
    published = make_alert(
        commune=commune, location=NEAR, author=other_resident, status="published", description="Porte forcée."
    )
    make_alert(commune=commune, location=FAR, author=other_resident)  # 220 m
    make_alert(commune=commune, location=NEAR, author=other_resident, occurred_at=now - timedelta(hours=3))
    make_alert(commune=commune, location=NEAR, author=other_resident, status="rejected")
    response = nearby(resident_api)
    assert response.status_code == 200
    found = {row["id"]: row for row in response.json()}
    assert set(found) == {pending.pk, published.pk}
    assert found[pending.pk]["description"] == "" and found[published.pk]["description"] == "Porte forcée."
    for row in found.values():
        assert set(row) == {
            "id", "category_label", "occurred_on", "status", "status_label", "description", "confirmed_by_me"
        }  # fmt: skip


def test_nearby_is_for_verified_residents_and_validates_its_input(client, resident_api, moderator_api):
    assert nearby(client).status_code == 403
    assert nearby(moderator_api).status_code == 403
    response = nearby(resident_api, lon="abc")
    assert response.status_code == 400 and "lon" in response.json()


def test_one_confirmation_per_resident_per_alert(resident_api, resident, other_resident, commune, moderator_api):
    alert = make_alert(commune=commune, location=NEAR, author=other_resident)
    url = f"/api/alerts/{alert.pk}/confirmations/"
    assert resident_api.post(url).status_code == 201
    second = resident_api.post(url)
    assert second.status_code == 409 and "une fois" in second.json()["detail"]
    assert AlertConfirmation.objects.filter(alert=alert).count() == 1
    assert nearby(resident_api).json()[0]["confirmed_by_me"] is True
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertConfirmation.objects.create(alert=alert, resident=resident)
    # Staff see the count; the queue too.
    assert moderator_api.get(f"/api/alerts/{alert.pk}/").json()["confirmations"] == 1
    queue = moderator_api.get("/api/moderation/queue/").json()["results"]
    assert [row["confirmations"] for row in queue if row["id"] == alert.pk] == [1]


def test_one_cannot_confirm_ones_own_alert_nor_one_of_another_commune(
    resident_api, resident, commune, neighbour, neighbour_resident
):
    own = make_alert(commune=commune, location=HERE, author=resident)
    elsewhere = make_alert(commune=neighbour, location=Point(5.03, 43.01, srid=4326), author=neighbour_resident)
    rejected = make_alert(commune=commune, location=HERE, status="rejected")
    for alert in (own, elsewhere, rejected):
        assert resident_api.post(f"/api/alerts/{alert.pk}/confirmations/").status_code == 404
    assert not AlertConfirmation.objects.exists()


def test_the_page_button_confirms_and_says_so(resident_api, other_resident, commune):
    alert = make_alert(commune=commune, location=NEAR, author=other_resident)
    response = resident_api.post(f"/alertes/{alert.pk}/je-l-ai-vu-aussi/", follow=True)
    assert f"vous avez confirmé l'alerte n° {alert.pk}" in unescape(response.content.decode())
    again = resident_api.post(f"/alertes/{alert.pk}/je-l-ai-vu-aussi/", follow=True)
    assert "déjà dit l'avoir vu aussi" in unescape(again.content.decode())
    assert alert.confirmations.count() == 1
    assert resident_api.get(f"/alertes/{alert.pk}/je-l-ai-vu-aussi/").status_code == 405


# --- decisions say what was done ----------------------------------------------------------------


def test_the_confirmation_of_a_decision_says_what_was_done(moderator, commune, resident):
    client = staff_client(moderator)
    published = make_alert(commune=commune, location=HERE, author=resident)
    rejected = make_alert(commune=commune, location=HERE, author=resident)
    page = client.post(f"/moderation/alertes/{published.pk}/publish/", follow=True).content.decode()
    assert f"Alerte n° {published.pk} publiée." in page
    page = client.post(
        f"/moderation/alertes/{rejected.pk}/reject/", {"reason": "not_an_alert", "note": ""}, follow=True
    ).content.decode()
    assert f"Alerte n° {rejected.pk} refusée : ce n&#x27;est pas une alerte." in page


def test_the_moderator_sees_the_point_and_the_authors_neighbourhood_not_the_home(moderator, commune, resident):
    quarter = make_neighbourhood(commune=commune, name="Les Capucins", bounds=(5.0, 43.0, 5.012, 43.012))
    resident.residence.neighbourhood = quarter
    resident.residence.save()
    alert = make_alert(commune=commune, location=NEAR, author=resident, behaviour="Il regardait dans les voitures.")
    AlertConfirmation.objects.create(alert=alert, resident=make_resident(commune=commune, home=HERE))
    page = unescape(staff_client(moderator).get("/moderation/").content.decode())
    config = json.loads(page.split(f'<script id="carte-alerte-{alert.pk}" type="application/json">')[1].split("<")[0])
    assert config["point"] == [5.01, 43.011] and config["neighbourhood_name"] == "Les Capucins"
    assert config["neighbourhood"]["type"] in ("MultiPolygon", "Polygon")
    assert "Il regardait dans les voitures." in page
    assert "« Je l'ai vu aussi » d'autres habitants : <strong>1</strong>" in page
    assert "5.01, 43.01]" not in page  # the author's home point is never sent


# --- appeals ------------------------------------------------------------------------------------


@pytest.fixture
def refused(commune, resident, moderator):
    from alerts import moderation

    alert = make_alert(commune=commune, location=HERE, author=resident)
    return moderation.alert_reject(alert=alert, moderator=moderator, reason="not_enough_information")


def test_an_appeal_goes_to_another_moderator_who_publishes(
    refused, resident_api, moderator, second_moderator, publication_calls, django_capture_on_commit_callbacks
):
    response = resident_api.post(
        f"/alertes/{refused.pk}/recours/", {"statement": "J'ai ajouté l'heure et le lieu exacts."}, follow=True
    )
    assert "un autre modérateur de la commune relira" in response.content.decode()
    appeal = AlertAppeal.objects.get(alert=refused)
    assert appeal.rejected_by == moderator and appeal.outcome == "pending"
    first = staff_client(moderator)
    assert "Recours à relire" not in first.get("/moderation/").content.decode()
    assert first.post(f"/moderation/recours/{appeal.pk}/publish/").status_code == 404
    second = staff_client(second_moderator)
    assert "J&#x27;ai ajouté l&#x27;heure" in second.get("/moderation/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = second.post(f"/moderation/recours/{appeal.pk}/publish/", {"note": "Merci."}, follow=True)
    assert f"Recours sur l&#x27;alerte n° {refused.pk} : alerte publiée." in page.content.decode()
    refused.refresh_from_db()
    assert refused.status == "published" and refused.published_at is not None
    assert publication_calls["published"] == [refused.pk]
    trail = list(refused.transitions.values_list("field", "from_state", "to_state", "actor"))
    assert trail[-3:] == [
        ("appeal", "", "filed", refused.author_id),
        ("status", "rejected", "published", second_moderator.pk),
        ("appeal", "filed", "published", second_moderator.pk),
    ]
    mine = resident_api.get("/alertes/mes-alertes/").content.decode()
    assert "alerte publiée après recours" in mine and "Merci." in mine


def test_an_upheld_appeal_stays_refused_and_there_is_only_one(refused, resident_api, second_moderator):
    url = f"/api/alerts/{refused.pk}/appeal/"
    assert resident_api.post(url, {"statement": "Relisez svp."}, content_type="application/json").status_code == 201
    again = resident_api.post(url, {"statement": "Encore."}, content_type="application/json")
    assert again.status_code == 409 and "déjà demandé un recours" in again.json()["detail"]
    appeal = AlertAppeal.objects.get(alert=refused)
    participation.appeal_uphold(appeal=appeal, moderator=second_moderator, note="Toujours trop vague.")
    refused.refresh_from_db()
    assert refused.status == "rejected"
    assert refused.transitions.filter(field="appeal", to_state="upheld", actor=second_moderator).exists()
    assert "refus confirmé" in resident_api.get("/alertes/mes-alertes/").content.decode()
    with pytest.raises(participation.AlertTransitionConflict):
        participation.appeal_publish(appeal=appeal, moderator=second_moderator)


def test_the_first_moderator_cannot_decide_even_through_the_service(refused, moderator):
    appeal = participation.appeal_file(alert=refused, author=refused.author, statement="Relisez svp.")
    with pytest.raises(PermissionError):
        participation.appeal_publish(appeal=appeal, moderator=moderator)
    refused.refresh_from_db()
    assert refused.status == "rejected"


def test_only_the_author_appeals_only_a_refused_alert_with_a_sentence(
    refused, other_resident, resident_api, resident, commune
):
    assert (
        resident_client(other_resident)
        .post(f"/api/alerts/{refused.pk}/appeal/", {"statement": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    pending = make_alert(commune=commune, location=HERE, author=resident)
    response = resident_api.post(
        f"/api/alerts/{pending.pk}/appeal/", {"statement": "x"}, content_type="application/json"
    )
    assert response.status_code == 409
    empty = resident_api.post(
        f"/api/alerts/{refused.pk}/appeal/", {"statement": "  "}, content_type="application/json"
    )
    assert empty.status_code == 400
    assert not AlertAppeal.objects.exists()


# --- the resident's data ------------------------------------------------------------------------


def test_export_holds_confirmations_and_appeals_and_erasure_removes_them(refused, resident, other_resident, commune):
    seen = make_alert(commune=commune, location=NEAR, author=other_resident)
    participation.alert_confirm(alert=seen, resident=resident, residence=resident.residence)
    participation.appeal_file(alert=refused, author=resident, statement="Relisez svp.")
    export = personal_data_export(resident)
    assert export["alerts.alertconfirmation.resident"] == [
        {"alert": seen.pk, "created_at": AlertConfirmation.objects.get().created_at.isoformat()}
    ]
    [appeal] = export["alerts.alertappeal.author"]
    assert appeal["statement"] == "Relisez svp." and appeal["rejected_by"] == {
        "role": "un membre de l'équipe de la commune"
    }
    user_delete(user=resident)
    assert not AlertConfirmation.objects.exists() and not AlertAppeal.objects.exists()
    # The audit trail keeps the fact of the appeal, without its text, for the public account.
    assert AlertTransition.objects.filter(alert=refused, field="appeal", to_state="filed").exists()
