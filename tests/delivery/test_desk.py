"""Registration at the town hall's desk (delivery/desk.py): an agent registers a resident without a
smartphone, who then receives alerts by SMS through the console gateway and sends alerts by SMS."""

import logging
import re
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from accounts.models import DeskStep, ProofOfResidence, Residence, Role, User
from accounts.selectors import charter_accepted
from addresses.importing import addresses_import
from addresses.national_format import NationalAddress, national_file_write
from alerts.models import Alert
from delivery.models import NotificationPreference
from tests.auth import staff_client
from tests.delivery.conftest import home
from tests.delivery.inbound_sms import SECRET, webhook_post
from tests.delivery.test_push import send_all
from tests.factories import UserFactory, make_alert, make_commune, make_role
from zones.models import Commune

pytestmark = pytest.mark.django_db

PHONE = "+33611223344"
CONSOLE = "delivery.channels.sms"


@pytest.fixture
def desk(town, tmp_path, settings):
    """An agent of Testville's town hall who verifies residents, and Testville's addresses."""
    settings.ALERTS_SMS_GATEWAY = "delivery.channels.sms.ConsoleSmsGateway"
    settings.DELIVERY_SMS_INBOUND_SECRET = SECRET
    path = tmp_path / "adresses.csv.gz"
    national_file_write(
        path, [NationalAddress("99001", "99100", "Testville", "0001", "Rue des Lilas", 4, "", 5.0043, 43.0117)]
    )
    addresses_import(path=str(path), commit=True)
    Commune.objects.filter(pk=town.commune.pk).update(adopted_on=date(2024, 1, 1))
    agent = UserFactory()
    make_role(user=agent, kind=Role.Kind.MUNICIPAL_STAFF, commune=town.commune, can_verify_residents=True)
    return staff_client(agent)


def form(town, **changes) -> dict:
    data = {
        "commune": town.commune.pk,
        "display_name": "Marcelle Durand",
        "email": "",
        "address": "4 rue des Lilas",
        "phone_number": "06 11 22 33 44",
        "phone_by_code": "1",
        "proof_checked": "on",
        "charter_read": "on",
    }
    return data | changes


def texts_to(caplog, number: str) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == CONSOLE and r.getMessage().startswith(f"SMS to {number}")
    ]


def test_a_resident_registered_at_the_desk_gets_alerts_by_sms_and_sends_one(
    town, desk, client, caplog, published, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger=CONSOLE)
    with django_capture_on_commit_callbacks(execute=True):
        registered = desk.post("/mairie/guichet/", form(town))
    assert registered.status_code == 302
    resident = User.objects.get(display_name="Marcelle Durand")
    [code_text] = texts_to(caplog, PHONE)
    code = re.search(r"\b(\d{6})\b", code_text).group(1)

    checked = desk.post(registered.url, {"action": "code", "code-code": code})
    assert checked.status_code == 302

    residence = Residence.objects.get(user=resident)
    assert residence.status == "verified" and residence.home.equals_exact(Point(5.0043, 43.0117, srid=4326), 1e-9)
    proof = ProofOfResidence.objects.get(residence=residence)
    assert (proof.content_type, proof.outcome, proof.file.name) == ("vérifié au guichet", "verified", "")
    assert charter_accepted(resident)
    preference = NotificationPreference.objects.get(user=resident)
    assert (preference.phone_number, preference.phone_verified_how, preference.by_sms, preference.by_email) == (
        PHONE,
        "desk",
        True,
        False,
    )
    assert list(DeskStep.objects.filter(resident=resident).values_list("kind", flat=True)) == [
        "account_created",
        "home_placed",
        "proof_checked",
        "charter_read",
        "phone_code_sent",
        "phone_code_read",
    ]
    page = desk.get(registered.url).content.decode()
    assert "vérifié au guichet" in page and "est vérifié" in page

    # An alert of the neighbourhood reaches her by SMS, through the console gateway.
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.005)))
    send_all(alert)
    assert len(texts_to(caplog, PHONE)) == 2

    # She sends an alert by text message: pending, and the emergency reminder comes back.
    with django_capture_on_commit_callbacks(execute=True):
        webhook_post(client, message_id="d1", sender=PHONE, text="Un homme regarde dans les boîtes aux lettres")
    sent = Alert.objects.get(author=resident)
    assert (sent.status, sent.source) == ("pending", "sms")
    assert "112" in texts_to(caplog, PHONE)[-1]


def test_the_agent_may_vouch_for_the_number_without_a_code(town, desk, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger=CONSOLE)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post("/mairie/guichet/", form(town, phone_by_code="0", email="marcelle@example.org"))
    preference = NotificationPreference.objects.get(user__email="marcelle@example.org")
    assert preference.phone_verified_at is not None and preference.by_email
    assert DeskStep.objects.filter(kind="phone_marked", resident=preference.user).exists()
    assert texts_to(caplog, PHONE) == []


@pytest.mark.parametrize("missing", ["proof_checked", "charter_read"])
def test_without_the_proof_or_the_charter_nothing_is_registered(town, desk, missing):
    data = form(town)
    del data[missing]
    response = desk.post("/mairie/guichet/", data)
    assert response.status_code == 200 and not User.objects.filter(display_name="Marcelle Durand").exists()


def test_an_address_not_found_is_a_clear_error(town, desk):
    response = desk.post("/mairie/guichet/", form(town, address="99 chemin inconnu"))
    assert response.status_code == 200 and "Adresse introuvable" in response.content.decode()
    assert not User.objects.filter(display_name="Marcelle Durand").exists() and not DeskStep.objects.exists()


def test_an_agent_of_another_commune_cannot_register_here_nor_see_the_resident(
    town, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registered = desk.post("/mairie/guichet/", form(town))
    other_commune = make_commune(
        code="99003", name="Ailleurs", bounds=(7.0, 45.0, 7.02, 45.02), adopted_on="2024-01-01"
    )
    stranger = UserFactory()
    make_role(user=stranger, kind=Role.Kind.MUNICIPAL_STAFF, commune=other_commune, can_verify_residents=True)
    client = staff_client(stranger)
    assert client.get(registered.url).status_code == 404
    refused = client.post("/mairie/guichet/", form(town, display_name="Autre"))
    assert refused.status_code == 200 and not User.objects.filter(display_name="Autre").exists()
