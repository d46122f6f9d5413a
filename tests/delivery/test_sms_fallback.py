"""SMS as the fallback of push for urgent alerts: a resident who chose push and has no device left
(none registered when the alert was routed, or every device gone when it is sent) gets an urgent
alert by SMS, once; other alerts stay in the inbox."""

import pytest

from delivery.broadcasts import broadcast_send
from delivery.models import Broadcast, Delivery, NotificationPreference, PushSubscription
from delivery.sending import deliveries_send
from tests.delivery import sms
from tests.delivery.conftest import home, resident_at
from tests.delivery.test_push import send_all, with_devices
from tests.factories import UserFactory, make_alert

pytestmark = pytest.mark.django_db

PHONE = "+33600000042"


@pytest.fixture
def recording_sms(settings):
    settings.ALERTS_SMS_GATEWAY = "tests.delivery.sms.RecordingSmsGateway"
    sms.SENT.clear()
    return sms.SENT


def push_only(person, *, phone: str = PHONE) -> None:
    NotificationPreference.objects.update_or_create(
        user=person, defaults={"by_push": True, "by_email": False, "by_sms": False, "phone_number": phone}
    )


def resident_whose_only_device_is_gone(town, push_service):
    """A resident who takes push only and has a number; their one device was registered when the
    message was routed, and its push service answers 410 when it is sent."""
    person = resident_at(town, 5.002)
    [device] = with_devices(person, push_service, 1)
    push_only(person)
    push_service.answer(device["endpoint"], 410)
    return person


def test_an_urgent_alert_goes_by_sms_to_a_push_resident_without_a_device(town, push_service, published, recording_sms):
    person = resident_at(town, 5.002)
    without_phone = resident_at(town, 5.003)
    push_only(person)
    push_only(without_phone, phone="")
    burglary = published(make_alert(commune=town.commune, category="cambriolage", location=home(5.004)))
    graffiti = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))

    assert send_all(burglary) == [] and send_all(graffiti) == []
    assert [number for number, _ in recording_sms] == [PHONE]
    deliveries = {(d.alert_id, d.recipient_id): d for d in Delivery.objects.filter(kind=Delivery.Kind.ALERT)}
    urgent = deliveries[burglary.id, person.id]
    assert (urgent.status, urgent.sms_status, urgent.push_status) == ("sent", "sent", "skipped")
    assert deliveries[burglary.id, without_phone.id].status == "skipped"
    assert deliveries[graffiti.id, person.id].sms_status == "skipped"
    assert push_service.count() == 0

    # Sent again (task redelivered, sweeper): nothing goes twice.
    Delivery.objects.filter(id=urgent.id).update(status=Delivery.Status.PENDING)
    send_all(burglary)
    assert len(recording_sms) == 1


def test_an_urgent_alert_goes_by_sms_when_every_device_is_gone_at_sending(
    town, push_service, published, recording_sms
):
    person = resident_whose_only_device_is_gone(town, push_service)
    burglary = published(make_alert(commune=town.commune, category="cambriolage", location=home(5.004)))
    delivery = Delivery.objects.get(alert=burglary, kind=Delivery.Kind.ALERT)
    assert (delivery.push_status, delivery.sms_status) == ("pending", "skipped")  # a device when routed

    assert send_all(burglary) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.push_status, delivery.sms_status) == ("sent", "skipped", "sent")
    assert [number for number, _ in recording_sms] == [PHONE]
    assert not PushSubscription.objects.filter(user=person).exists()


def test_a_resident_with_a_device_gets_the_urgent_alert_by_push_only(town, push_service, published, recording_sms):
    person = resident_at(town, 5.002)
    with_devices(person, push_service, 1)
    push_only(person)
    burglary = published(make_alert(commune=town.commune, category="cambriolage", location=home(5.004)))
    assert send_all(burglary) == []
    assert push_service.count() == 1 and recording_sms == []


def test_an_urgent_town_hall_message_goes_by_sms_when_every_device_is_gone_at_sending(
    town, push_service, recording_sms, django_capture_on_commit_callbacks
):
    person = resident_whose_only_device_is_gone(town, push_service)
    with django_capture_on_commit_callbacks():  # sent below, in this test's transaction
        broadcast = broadcast_send(
            author=UserFactory(),
            commune=town.commune,
            kind="weather",
            title="Vigilance orange orages",
            body="Restez chez vous.",
            target=Broadcast.Target.NEIGHBOURHOODS,
            neighbourhoods=[town.north],
            by_sms=True,
        )
    delivery = Delivery.objects.get(broadcast=broadcast, recipient=person)
    assert (delivery.push_status, delivery.sms_status) == ("pending", "skipped")  # a device when it was sent

    assert deliveries_send(delivery_ids=[delivery.id]) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.push_status, delivery.sms_status) == ("sent", "skipped", "sent")
    assert [number for number, _ in recording_sms] == [PHONE]
