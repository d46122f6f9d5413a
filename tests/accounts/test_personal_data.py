import json
import os

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.test import Client

from accounts.models import CharterAcceptance, ProofOfResidence, Residence, User
from accounts.services import alert_location_opened
from alerts.models import AlertTransition
from delivery.following import followed_place_create
from delivery.models import Broadcast, Delivery
from tests.accounts.conftest import PDF, resident, upload
from tests.auth import resident_client, staff_client
from tests.factories import make_alert

PASSWORD = "correct horse battery"


@pytest.fixture
def author(world):
    person = resident(world.commune_a, Point(5.012, 43.004, srid=4326), display_name="Odile")
    person.residence.address = "12 chemin des Oliviers"
    person.residence.save()
    return person


def test_the_export_holds_the_residents_data_and_no_secret(world, author):
    make_alert(
        commune=world.commune_a,
        location=Point(5.011, 43.004, srid=4326),
        author=author,
        status="published",
        description="Voiture fracturée devant l'école.",
    )
    staff_client(author)  # gives the person a TOTP device, whose key must not leak
    followed_place_create(user=author, label="École", centre=Point(5.011, 43.005, srid=4326), radius_m=300)

    response = resident_client(author).get("/api/me/export/")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = response.json()
    text = json.dumps(body)
    assert body["account"]["email"] == author.email
    (home,) = body["accounts.residence.user"]
    assert home["address"] == "12 chemin des Oliviers"
    assert home["home"]["coordinates"] == [5.012, 43.004]
    assert body["accounts.charteracceptance.user"][0]["charter"]["label"] == "Charte v1"
    assert "Voiture fracturée devant l'école." in [alert["description"] for alert in body["alerts.alert.author"]]
    (place,) = body["delivery.followedplace.user"]
    assert (place["label"], place["radius_m"]) == ("École", 300)
    assert author.password not in text
    assert "otp_totp.totpdevice.user" in body and '"key"' not in text


def test_the_account_page_links_to_the_export(world, author):
    html = resident_client(author).get("/compte/").content.decode()

    assert 'href="/api/me/export/"' in html


def test_deletion_removes_personal_data_and_keeps_the_alert_anonymised(
    world, author, private_storage, django_capture_on_commit_callbacks
):
    alert = make_alert(
        commune=world.commune_a,
        location=Point(5.011, 43.004, srid=4326),
        author=author,
        status="published",
        description="Tags sur le mur du gymnase.",
    )
    Residence.objects.filter(user=author).update(status=Residence.Status.PENDING)
    client = resident_client(author)
    assert client.post("/api/me/residence/proof/", {"file": upload("f.pdf", PDF)}).status_code == 201
    other_session = resident_client(author)

    assert client.post("/compte/supprimer/", {"password": "wrong"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/supprimer/", {"password": PASSWORD})

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.author is None
    assert alert.description == "Tags sur le mur du gymnase."
    assert not User.objects.filter(email=author.email).exists()
    assert not Residence.objects.filter(address="12 chemin des Oliviers").exists()
    assert not ProofOfResidence.objects.exists()
    assert not CharterAcceptance.objects.filter(user_id=author.pk).exists()
    assert [name for _d, _s, names in os.walk(private_storage) for name in names] == []
    # Every session of the person is over.
    assert client.get("/api/me/").status_code == 403
    assert other_session.get("/api/me/").status_code == 403


def test_api_deletion_needs_the_password(world, author):
    client = resident_client(author)

    assert client.post("/api/me/delete/", {"password": "nope"}).status_code == 400
    assert client.post("/api/me/delete/", {"password": PASSWORD}).status_code == 204
    assert not User.objects.filter(pk=author.pk).exists()
    assert Client().get("/api/me/").status_code == 403


def test_the_export_holds_the_inbox_and_names_the_verifier_by_role(world, author):
    verifier = world.people["staff_a"]
    Residence.objects.filter(user=author).update(status=Residence.Status.VERIFIED, decided_by=verifier)
    alert = make_alert(commune=world.commune_a, location=Point(5.011, 43.004, srid=4326), status="published")
    Delivery.objects.create(recipient=author, kind=Delivery.Kind.ALERT, alert=alert)
    Delivery.objects.create(recipient=world.people["resident_a"], kind=Delivery.Kind.ALERT, alert=alert)

    body = resident_client(author).get("/api/me/export/").json()

    assert [(line["kind"], line["alert"]) for line in body["delivery.delivery.recipient"]] == [("alert", alert.pk)]
    assert body["accounts.residence.user"][0]["decided_by"] == {"role": "un vérificateur de la commune"}
    assert verifier.email not in json.dumps(body)


def test_a_staff_export_holds_what_they_did_and_not_the_people_concerned(world, author):
    staff = world.people["staff_a"]
    Residence.objects.filter(user=author).update(status=Residence.Status.VERIFIED, decided_by=staff)
    alert = make_alert(commune=world.commune_a, location=Point(5.011, 43.004, srid=4326), author=author)
    AlertTransition.objects.create(
        alert=alert, actor=staff, field="follow_up", from_state="none", to_state="acknowledged"
    )
    alert_location_opened(viewer=staff, alert=alert)
    Broadcast.objects.create(
        commune=world.commune_a, author=staff, kind="information", title="Travaux rue Haute", body="Lundi.",
        target="commune",
    )  # fmt: skip

    body = staff_client(staff).get("/api/me/export/").json()
    text = json.dumps(body, ensure_ascii=False)

    assert body["accounts.residence.decided_by"] == [
        {"id": author.residence.pk, "commune": world.commune_a.pk, "status": "verified", "decided_at": None}
    ]
    assert [line["to_state"] for line in body["alerts.alerttransition.actor"]] == ["acknowledged"]
    assert [(line["kind"], line["object_id"]) for line in body["accounts.accesslog.viewer"]] == [
        ("alert_location", alert.pk)
    ]
    assert [line["title"] for line in body["delivery.broadcast.author"]] == ["Travaux rue Haute"]
    for other_people in (author.email, "12 chemin des Oliviers", "Odile", alert.description):
        assert other_people not in text


def test_an_admin_export_holds_their_admin_history_without_the_people_changed(world, author):
    admin = world.people["admin"]
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(author.pk),
        object_repr=author.email,
        action_flag=CHANGE,
        change_message="Changé Adresse électronique.",
    )

    body = staff_client(admin).get("/api/me/export/").json()

    assert [(line["object_id"], line["action_flag"]) for line in body["admin.logentry.user"]] == [
        (str(author.pk), CHANGE)
    ]
    assert author.email not in json.dumps(body)


def test_an_alert_merged_into_another_person_s_names_it_by_id_only(world, author):
    other = make_alert(
        commune=world.commune_a,
        location=Point(5.011, 43.004, srid=4326),
        author=world.people["resident_a"],
        status="published",
    )
    mine = make_alert(commune=world.commune_a, location=Point(5.011, 43.004, srid=4326), author=author)
    mine.status, mine.merged_into = "merged", other
    mine.save(update_fields=["status", "merged_into"])

    (exported,) = resident_client(author).get("/api/me/export/").json()["alerts.alert.author"]

    assert exported["merged_into"] == other.pk
    assert f"{other.created_at:%d/%m/%Y %H:%M}" not in json.dumps(exported)
