import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Role
from delivery.messages import alerts_places, delivery_link
from delivery.models import Delivery, NotificationPreference
from delivery.sending import deliveries_send
from tests.auth import resident_client, staff_client
from tests.delivery.conftest import BORDER_LON, home, resident_at
from tests.factories import UserFactory, make_alert, make_role

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def two_alerts(town, published):
    reader = resident_at(town, 5.005)
    other = resident_at(town, 5.006)
    alerts = [
        published(make_alert(commune=town.commune, location=home(5.004), category=code, description=text))
        for code, text in (("tag", "Tag sur le mur de l'école."), ("rodeo", "Rodéo de motos rue des Lilas."))
    ]
    return reader, other, alerts


def test_inbox_lists_newest_first_without_location_or_author(two_alerts):
    reader, _, _ = two_alerts
    response = resident_client(reader).get("/api/inbox/")
    assert response.status_code == 200
    items = response.json()["results"]
    assert [item["body"] for item in items] == ["Rodéo de motos rue des Lilas.", "Tag sur le mur de l'école."]
    assert items[0]["places"] == ["Nord"]
    assert items[0]["title"].endswith(" à Testville")
    assert items[0]["occurred_on"] == timezone.localdate().isoformat()
    assert not {"location", "author", "longitude"} & set(items[0])


def test_unread_count_and_mark_read(two_alerts):
    reader, other, _ = two_alerts
    client = resident_client(reader)
    assert client.get("/api/inbox/unread-count/").json() == {"unread": 2}
    first = client.get("/api/inbox/").json()["results"][0]["id"]

    response = client.post(f"/api/inbox/{first}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.get("/api/inbox/unread-count/").json() == {"unread": 1}
    # Another resident's message is not found, and stays unread.
    other_id = Delivery.objects.get(recipient=other, alert__description__startswith="Tag").id
    assert client.post(f"/api/inbox/{other_id}/read/").status_code == 404
    assert Delivery.objects.get(id=other_id).read_at is None

    assert client.post("/api/inbox/read-all/").json() == {"marked": 1}
    assert client.get("/api/inbox/unread-count/").json() == {"unread": 0}


def test_inbox_pages_show_the_message_and_mark_it_read(two_alerts):
    reader, other, _ = two_alerts
    client = resident_client(reader)
    page = client.get("/messages/")
    assert page.status_code == 200 and "Rodéo de motos" not in page.content.decode()  # titles only
    assert "2 messages non lus" in page.content.decode()
    delivery = Delivery.objects.filter(recipient=reader).order_by("id").first()
    detail = client.get(f"/messages/{delivery.id}/")
    assert "Tag sur le mur de l&#x27;école." in detail.content.decode()
    assert f"survenu le {date_format(timezone.localdate(), 'j F Y')}" in detail.content.decode()
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    other_delivery = Delivery.objects.filter(recipient=other).first()
    assert client.get(f"/messages/{other_delivery.id}/").status_code == 404


def test_inbox_needs_a_login(client):
    assert client.get("/api/inbox/").status_code in (401, 403)


def test_the_email_and_text_message_are_in_the_language_the_resident_uses_the_site_in(two_alerts, settings):
    from tests.delivery import sms

    settings.ALERTS_SMS_GATEWAY = "tests.delivery.sms.RecordingSmsGateway"
    sms.SENT.clear()
    reader, _, alerts = two_alerts
    client = resident_client(reader)
    client.get("/messages/", HTTP_ACCEPT_LANGUAGE="en")  # the resident reads the site in English
    reader.refresh_from_db()
    assert reader.language == "en"
    NotificationPreference.objects.create(user=reader, by_sms=True, phone_number="+33600000001")
    Delivery.objects.filter(recipient=reader, alert=alerts[0]).update(sms_status="pending")
    delivery = Delivery.objects.get(recipient=reader, alert=alerts[0])

    assert deliveries_send(delivery_ids=[delivery.id]) == []

    (email,) = mail.outbox
    assert email.subject == "Vigie · Graffiti in Testville"
    assert "View the message on Vigie:" in email.body and "Voir le message" not in email.body
    assert '<html lang="en">' in email.alternatives[0][0]
    assert [("+33600000001", f"Vigie · Graffiti in Testville. {delivery_link(delivery)}")] == sms.SENT
    # Back on the site in French, the next messages are in French.
    client.get("/messages/", HTTP_ACCEPT_LANGUAGE="fr")
    reader.refresh_from_db()
    assert reader.language == "fr"


def test_email_is_french_and_links_to_the_message(two_alerts, settings):
    settings.SITE_URL = "https://vigie.example.fr"
    reader, _, alerts = two_alerts
    delivery = Delivery.objects.get(recipient=reader, alert=alerts[0])
    assert deliveries_send(delivery_ids=[delivery.id]) == []
    (email,) = mail.outbox
    assert email.to == [reader.email]
    assert email.subject == "Vigie · Tag à Testville"
    assert "Tag sur le mur de l'école." in email.body
    assert f"survenu le {date_format(timezone.localdate(), 'j F Y')}" in email.body
    assert f"https://vigie.example.fr/messages/{delivery.id}/" in email.body
    assert "112" in email.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.email_status, delivery.attempts) == ("sent", "sent", 1)
    # Sending the same delivery again sends nothing.
    deliveries_send(delivery_ids=[delivery.id])
    assert len(mail.outbox) == 1


def test_sms_goes_through_the_configured_gateway(town, published, settings):
    from delivery.models import NotificationPreference
    from tests.delivery import sms

    settings.ALERTS_SMS_GATEWAY = "tests.delivery.sms.RecordingSmsGateway"
    sms.SENT.clear()
    texter, wrong_number = resident_at(town, 5.005), resident_at(town, 5.006)
    NotificationPreference.objects.create(user=texter, by_email=False, by_sms=True, phone_number="+33600000001")
    NotificationPreference.objects.create(user=wrong_number, by_sms=True, phone_number="+33600000099")
    alert = published(make_alert(commune=town.commune, location=home(5.004), category="tag"))
    deliveries = Delivery.objects.filter(alert=alert).order_by("recipient_id")
    deliveries_send(delivery_ids=[delivery.id for delivery in deliveries])

    ((number, text),) = sms.SENT
    assert number == "+33600000001" and text.startswith("Vigie · Tag à Testville.")
    sent = Delivery.objects.get(alert=alert, recipient=texter)
    assert (sent.status, sent.sms_status, sent.email_status) == ("sent", "sent", "skipped")
    # A number the gateway refuses fails at once, without retries; the email still went out.
    refused = Delivery.objects.get(alert=alert, recipient=wrong_number)
    assert (refused.status, refused.sms_status, refused.email_status) == ("failed", "failed", "sent")
    assert refused.attempts == 1 and "numéro inconnu" in refused.last_error
    assert [email.to for email in mail.outbox] == [[wrong_number.email]]


def test_preferences_api_round_trip_and_clear_errors(town):
    resident = resident_at(town, 5.005)
    client = resident_client(resident)
    assert client.get("/api/notification-preferences/").json()["by_email"] is True
    payload = {
        "by_email": False,
        "by_sms": True,
        "phone_number": "",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "prevention_notices": True,
        "muted_categories": ["tag"],
    }
    response = client.put("/api/notification-preferences/", payload, content_type="application/json")
    assert response.status_code == 400 and "phone_number" in response.json()
    payload["phone_number"] = "06 00 00 00 01"
    response = client.put("/api/notification-preferences/", payload, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["muted_categories"] == ["tag"]
    assert client.get("/api/notification-preferences/").json()["quiet_start"] == "22:00:00"


def test_police_event_stream_is_ordered_and_scoped(town, published):
    agent, other_agent = UserFactory.create_batch(2)
    make_role(user=agent, kind=Role.Kind.POLICE_AGENT, police_service=town.west_service)
    make_role(user=other_agent, kind=Role.Kind.POLICE_AGENT, police_service=town.far_service)
    first = published(make_alert(commune=town.commune, location=home(5.004), category="tag"))
    second = published(make_alert(commune=town.commune, location=home(5.015), category="tag"))  # east only
    third = published(make_alert(commune=town.commune, location=home(5.003), category="rodeo"))

    client = staff_client(agent)
    events = client.get("/api/police/events/").json()
    assert [event["alert"] for event in events] == [first.id, third.id]
    assert second.id not in {event["alert"] for event in events}
    assert events[0]["longitude"] == pytest.approx(5.004)
    replay = client.get(f"/api/police/events/?after={events[0]['id']}").json()
    assert [event["alert"] for event in replay] == [third.id]
    assert staff_client(other_agent).get("/api/police/events/").json() == []
    assert client.get("/api/police/events/?after=-1").status_code == 400


def test_an_alert_on_a_border_names_both_neighbourhoods_and_never_a_police_sector(town, published):
    on_border = published(make_alert(commune=town.commune, location=home(BORDER_LON), category="tag"))
    inside = published(make_alert(commune=town.commune, location=home(5.015), category="tag"))

    assert alerts_places([on_border.id, inside.id, 0]) == {on_border.id: ["Nord", "Sud"], inside.id: ["Sud"], 0: []}
    assert alerts_places([]) == {}
