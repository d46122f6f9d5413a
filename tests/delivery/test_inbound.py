"""Text messages received on the commune's number (delivery/inbound.py): a verified resident's SMS
becomes a pending alert and the emergency reminder goes back once, however often the provider sends
the webhook; a bad signature stores nothing; STOP stops every SMS to the number."""

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from alerts.models import Alert
from delivery.inbound import keyword_of
from delivery.models import Delivery, InboundSms, NotificationPreference, SmsOptOut
from tests.auth import staff_client
from tests.delivery.conftest import home, resident_at
from tests.delivery.inbound_sms import webhook_post, with_verified_phone
from tests.delivery.test_push import send_all
from tests.factories import UserFactory, make_alert, make_role

pytestmark = pytest.mark.django_db

PHONE = "+33612345678"
TEXT = "Deux hommes essaient les portières des voitures rue des Lilas"


@pytest.fixture
def sender(town):
    person = resident_at(town, 5.0043, 43.0117)
    with_verified_phone(person, PHONE)
    return person


def post(client, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return webhook_post(client, **kwargs)


def test_a_bad_signature_is_refused_and_nothing_is_stored(
    client, sender, recording_sms, django_capture_on_commit_callbacks
):
    response = post(
        client, django_capture_on_commit_callbacks, message_id="m1", sender=PHONE, text=TEXT, secret="faux"
    )

    assert response.status_code == 403
    assert InboundSms.objects.count() == 0 and Alert.objects.count() == 0 and recording_sms == []


def test_without_a_secret_every_webhook_is_refused(
    client, sender, recording_sms, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_SMS_INBOUND_SECRET = ""
    response = post(client, django_capture_on_commit_callbacks, message_id="m1", sender=PHONE, text=TEXT, secret="")
    assert response.status_code == 403 and InboundSms.objects.count() == 0


def test_a_signed_message_that_is_not_json_is_a_clear_400(client, sender, recording_sms):
    from delivery.channels.sms import signature_of
    from tests.delivery.inbound_sms import SECRET

    body = b"from=+33612345678&text=bonjour"
    response = client.post(
        "/sms/inbound/console/",
        data=body,
        content_type="text/plain",
        headers={"X-Vigie-Signature": signature_of(body, SECRET)},
    )
    assert response.status_code == 400 and "JSON" in response.content.decode()
    assert InboundSms.objects.count() == 0


def test_an_unknown_provider_is_404(client, recording_sms):
    assert client.post("/sms/inbound/nulle-part/", data=b"{}", content_type="application/json").status_code == 404


def test_a_verified_resident_s_sms_becomes_one_pending_alert_and_one_reminder(
    client, town, sender, recording_sms, django_capture_on_commit_callbacks
):
    response = post(client, django_capture_on_commit_callbacks, message_id="m1", sender="06 12 34 56 78", text=TEXT)

    assert response.status_code == 200 and response.json()["already_received"] is False
    [alert] = Alert.objects.all()
    assert (alert.status, alert.source, alert.category.code, alert.author_id) == (
        "pending",
        "sms",
        "a-qualifier",
        sender.pk,
    )
    assert alert.description == TEXT and alert.commune_id == town.commune.pk
    # Placed at the centre of the home's 250 m cell, never at the home itself.
    exact = sender.residence.home
    assert alert.location != exact
    assert Point(exact.x, exact.y, srid=4326).distance(alert.location) < 0.003
    [(number, reply)] = recording_sms
    assert number == PHONE and "17" in reply and "112" in reply
    assert InboundSms.objects.get().outcome == "alert"

    # The provider sends the same webhook again (it missed our answer): nothing more.
    again = post(client, django_capture_on_commit_callbacks, message_id="m1", sender=PHONE, text=TEXT)
    assert again.status_code == 200 and again.json()["already_received"] is True
    assert Alert.objects.count() == 1 and len(recording_sms) == 1 and InboundSms.objects.count() == 1


def test_an_unknown_number_is_told_how_to_register_once_a_day_and_nothing_is_created(
    client, sender, recording_sms, django_capture_on_commit_callbacks
):
    for message_id in ("u1", "u2"):
        post(client, django_capture_on_commit_callbacks, message_id=message_id, sender="+33699999990", text=TEXT)

    assert Alert.objects.count() == 0
    [(number, reply)] = recording_sms
    assert number == "+33699999990" and "mairie" in reply
    assert list(InboundSms.objects.values_list("outcome", flat=True)) == ["unknown_sender"] * 2


def test_an_unverified_number_sends_no_alert(client, town, recording_sms, django_capture_on_commit_callbacks):
    person = resident_at(town, 5.004)
    NotificationPreference.objects.create(user=person, phone_number=PHONE, by_sms=True)
    post(client, django_capture_on_commit_callbacks, message_id="m1", sender=PHONE, text=TEXT)
    assert Alert.objects.count() == 0 and InboundSms.objects.get().outcome == "unknown_sender"


def test_a_text_too_short_is_answered_and_creates_nothing(
    client, sender, recording_sms, django_capture_on_commit_callbacks
):
    post(client, django_capture_on_commit_callbacks, message_id="m1", sender=PHONE, text="vol")
    assert Alert.objects.count() == 0
    [(_, reply)] = recording_sms
    assert "trop courte" in reply


@pytest.mark.parametrize("word", ["STOP", "stop", "Arret", "ARRÊT", " arrêt. "])
def test_stop_words_in_any_case_and_accents(word):
    assert keyword_of(word) in {"STOP", "ARRET"}


def test_stop_stops_every_sms_to_the_number_then_start_resumes(
    client, town, sender, recording_sms, published, django_capture_on_commit_callbacks
):
    # The same number also given, unverified, by a push-only neighbour: urgent alerts would fall back to SMS.
    neighbour = resident_at(town, 5.005)
    NotificationPreference.objects.create(user=neighbour, phone_number=PHONE, by_push=True, by_email=False)
    waiting = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    before = Delivery.objects.get(alert=waiting, recipient=sender)
    assert before.sms_status == "pending"

    post(client, django_capture_on_commit_callbacks, message_id="s1", sender=PHONE, text="Arrêt")

    assert SmsOptOut.objects.filter(phone_number=PHONE).exists()
    assert NotificationPreference.objects.get(user=sender).by_sms is False
    [(number, confirmation)] = recording_sms
    assert number == PHONE and "START" in confirmation
    before.refresh_from_db()
    assert before.sms_status == "skipped"  # already queued, dropped

    burglary = published(make_alert(commune=town.commune, category="cambriolage", location=home(5.004)))
    # Even an account that turns SMS back on on the site gets none while the number is stopped.
    NotificationPreference.objects.filter(user=sender).update(by_sms=True)
    tag = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    for alert in (waiting, burglary, tag):
        send_all(alert)
    assert {d.sms_status for d in Delivery.objects.filter(recipient__in=[sender, neighbour])} == {"skipped"}
    assert len(recording_sms) == 1

    post(client, django_capture_on_commit_callbacks, message_id="s2", sender=PHONE, text="start")
    later = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    send_all(later)
    assert [number for number, _ in recording_sms] == [PHONE, PHONE, PHONE]  # START's confirmation, the alert
    assert Delivery.objects.get(alert=later, recipient=sender).sms_status == "sent"


def test_the_moderator_sees_an_sms_alert_as_such_and_chooses_its_category_on_publishing(
    client, town, sender, recording_sms, django_capture_on_commit_callbacks
):
    post(client, django_capture_on_commit_callbacks, message_id="m1", sender=PHONE, text=TEXT)
    alert = Alert.objects.get()
    moderator = UserFactory()
    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=town.commune)
    desk = staff_client(moderator)
    assert "Reçue par SMS" in desk.get("/moderation/").content.decode()

    refused = desk.post(f"/moderation/alertes/{alert.pk}/publish/", {"category": "pas-une-categorie"})
    alert.refresh_from_db()
    assert refused.status_code in (200, 302) and alert.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/moderation/alertes/{alert.pk}/publish/", {"category": "vehicule-suspect"})
    alert.refresh_from_db()
    assert (alert.status, alert.category.code) == ("published", "vehicule-suspect")
