"""A visit recorded from the agent's phone at the home sends the resident one notice of passage,
once, through their channels, and the notice says nothing that tells a third party the home is empty."""

import pytest
from django.core import mail

from delivery.models import Delivery
from delivery.sending import deliveries_send
from patrols import services
from patrols.models import Visit

pytestmark = pytest.mark.django_db

AT_THE_DOOR = {"lon": 5.0102, "lat": 43.0100, "observation": "nothing"}  # about 16 m from HOME_A


def visit(world, absence, role="police_a", **data):
    url = f"/api/patrols/absences/{absence.id}/visits/"
    return world.client(role).post(url, {**AT_THE_DOOR, **data}, content_type="application/json")


def notices(absence):
    return Delivery.objects.filter(kind=Delivery.Kind.PATROL_VISIT, recipient=absence.resident)


def test_a_visit_sends_one_notice_once(patrol_world, django_capture_on_commit_callbacks):
    absence = patrol_world.absences["a"]
    with django_capture_on_commit_callbacks(execute=False):
        first = visit(patrol_world, absence)
        again = visit(patrol_world, absence)  # the agent taps twice
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and round(first.json()["distance_m"]) == 16
    [notice] = notices(absence)
    the_visit = Visit.objects.get()
    assert services.visit_notice_send(visit=the_visit) is False  # a task run twice sends nothing more
    assert notices(absence).count() == 1 and notice.notice_id == the_visit.id


def test_the_notice_reaches_the_inbox_and_the_email_without_saying_the_home_is_empty(patrol_world):
    absence = patrol_world.absences["a"]
    visit(patrol_world, absence)
    [notice] = notices(absence)
    deliveries_send(delivery_ids=[notice.id])
    [email] = mail.outbox
    [item] = patrol_world.client("resident_a").get("/api/inbox/").json()["results"]
    assert item["title"] == "Avis de passage de la police municipale" and item["title"] in email.subject
    for text in (email.subject, email.body, item["title"], item["body"]):
        lowered = text.lower()
        for telltale in ("absen", "vide", "inoccup", "rue de l", "vacances", "tranquillit", "départ", "retour"):
            assert telltale not in lowered, (telltale, text)


def test_a_visit_from_too_far_is_refused_with_the_distance(patrol_world):
    absence = patrol_world.absences["a"]
    response = visit(patrol_world, absence, lon=5.0200)  # about 815 m east
    assert response.status_code == 400
    assert "815 m" in response.json()["detail"] and "150 m" in response.json()["detail"]
    assert not Visit.objects.exists() and not notices(absence).exists()


def test_an_anomaly_needs_its_description_and_is_kept(patrol_world):
    absence = patrol_world.absences["a"]
    assert visit(patrol_world, absence, observation="anomaly").status_code == 400
    response = visit(patrol_world, absence, observation="anomaly", anomaly="Volet forcé côté jardin")
    assert response.status_code == 201
    assert Visit.objects.get().anomaly == "Volet forcé côté jardin"


def test_a_cancelled_absence_is_no_longer_visited(patrol_world):
    absence = patrol_world.absences["a"]
    services.absence_cancel(absence=absence)
    assert visit(patrol_world, absence).status_code == 404


def test_the_shared_service_records_visits_in_each_of_its_communes(patrol_world):
    for key, lon in (("b", 5.0302), ("c", 5.0502)):
        response = visit(patrol_world, patrol_world.absences[key], role="police_shared", lon=lon)
        assert response.status_code == 201, response.json()
    assert visit(patrol_world, patrol_world.absences["a"], role="police_shared").status_code == 404


def test_bad_coordinates_get_a_clear_400(patrol_world):
    response = visit(patrol_world, patrol_world.absences["a"], lon=500)
    assert response.status_code == 400 and "lon" in response.json()
