"""Web Push as a delivery channel, against a real push service on the loopback interface that checks
the VAPID token and decrypts every payload with the device's own key (tests/delivery/push_service.py)."""

from datetime import time as clock
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from delivery.devices import push_subscription_remove, push_subscription_save
from delivery.inbox import preference_of
from delivery.models import Delivery, NotificationPreference, PushReceipt, PushSubscription
from delivery.sending import deliveries_send
from tests.auth import resident_client
from tests.delivery.conftest import home, resident_at
from tests.delivery.push_service import PushService
from tests.factories import make_alert

pytestmark = pytest.mark.django_db


def with_devices(person, service: PushService, count: int) -> list[dict]:
    devices = [service.device() for _ in range(count)]
    for device in devices:
        push_subscription_save(user=person, endpoint=device["endpoint"], **device["keys"])
    return devices


def send_all(alert) -> list[int]:
    ids = list(
        Delivery.objects.filter(alert=alert, kind=Delivery.Kind.ALERT).order_by("id").values_list("id", flat=True)
    )
    return deliveries_send(delivery_ids=ids)


def test_n_residents_with_m_devices_get_exactly_one_decrypted_push_per_device(town, push_service, published):
    people = [resident_at(town, 5.001 + 0.002 * index) for index in range(4)]
    devices = {person.id: with_devices(person, push_service, 3) for person in people}
    by_email_only = resident_at(town, 5.009)  # no device: email as before, no push

    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004), description="Tag rue"))
    assert send_all(alert) == []

    assert push_service.refused == []
    assert push_service.per_device() == {
        device["endpoint"].rsplit("/", 1)[1]: 1 for person_devices in devices.values() for device in person_devices
    }
    deliveries = {d.recipient_id: d for d in Delivery.objects.filter(alert=alert)}
    assert len(deliveries) == len(people) + 1
    assert deliveries[by_email_only.id].push_status == Delivery.Status.SKIPPED
    for person in people:
        delivery = deliveries[person.id]
        assert (delivery.status, delivery.push_status, delivery.email_status) == ("sent", "sent", "sent")
        received = [item for item in push_service.received if item.payload["tag"] == f"vigie-{delivery.id}"]
        assert len(received) == 3
        message_url = "https://vigie.example" + reverse("inbox-message", kwargs={"delivery_id": delivery.id})
        assert {item.payload["url"] for item in received} == {message_url}
        assert all("Tag rue" in item.payload["body"] and "Nord" in item.payload["body"] for item in received)
        assert {(item.urgency, item.ttl) for item in received} == {("normal", 24 * 3600)}
        assert {item.claims["sub"] for item in received} == {"mailto:ne-pas-repondre@vigie.localhost"}

    # A task run again (redelivered, the sweeper) pushes nothing more.
    Delivery.objects.filter(alert=alert).update(status=Delivery.Status.PENDING, push_status=Delivery.Status.PENDING)
    send_all(alert)
    assert push_service.count() == 4 * 3


def test_an_urgent_category_is_pushed_with_high_urgency(town, push_service, published):
    person = resident_at(town, 5.002)
    with_devices(person, push_service, 1)
    alert = published(make_alert(commune=town.commune, category="cambriolage", location=home(5.004)))
    send_all(alert)
    notice = Delivery.objects.get(alert=alert, kind=Delivery.Kind.NEAR_REPEAT)  # a burglary: a prevention notice too
    deliveries_send(delivery_ids=[notice.id])
    pushed = {item.payload["tag"]: item for item in push_service.received}
    assert len(push_service.received) == 2
    alert_push = pushed[f"vigie-{Delivery.objects.get(alert=alert, kind=Delivery.Kind.ALERT).id}"]
    assert (alert_push.urgency, alert_push.ttl, alert_push.payload["urgent"]) == ("high", 6 * 3600, True)
    notice_push = pushed[f"vigie-{notice.id}"]
    assert (notice_push.urgency, notice_push.ttl) == ("low", 3 * 24 * 3600)


def test_a_device_that_failed_is_retried_alone_and_the_others_are_not_pushed_twice(town, push_service, published):
    person = resident_at(town, 5.002)
    first, second = with_devices(person, push_service, 2)
    push_service.answer(second["endpoint"], 503)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    delivery = Delivery.objects.get(alert=alert)

    assert send_all(alert) == [delivery.id]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.push_status, delivery.reason) == ("pending", "pending", "retrying")
    assert "HTTP 503" in delivery.last_error
    assert push_service.count() == 1

    Delivery.objects.filter(id=delivery.id).update(send_after=delivery.created_at)  # its backoff is over
    assert send_all(alert) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.push_status) == ("sent", "sent")
    tokens = [endpoint["endpoint"].rsplit("/", 1)[1] for endpoint in (first, second)]
    assert push_service.per_device() == {tokens[0]: 1, tokens[1]: 1}
    assert PushReceipt.objects.filter(delivery=delivery).count() == 2


def test_a_push_service_that_hangs_or_drops_the_connection_fails_that_push_only(
    town, push_service, published, settings
):
    settings.PUSH_TIMEOUT_S = 0.5
    person = resident_at(town, 5.002)
    hanging, dropped, answered = with_devices(person, push_service, 3)
    push_service.hang(hanging["endpoint"], 3)
    push_service.drop(dropped["endpoint"])
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    delivery = Delivery.objects.get(alert=alert)

    assert send_all(alert) == [delivery.id]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.push_status, delivery.reason) == ("pending", "pending", "retrying")
    assert "Timeout" in delivery.last_error and "Disconnected" in delivery.last_error
    assert push_service.count() == 1

    Delivery.objects.filter(id=delivery.id).update(send_after=delivery.created_at)  # its backoff is over
    assert send_all(alert) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.push_status) == ("sent", "sent")
    tokens = [device["endpoint"].rsplit("/", 1)[1] for device in (hanging, dropped, answered)]
    assert push_service.per_device() == dict.fromkeys(tokens, 1)


@pytest.mark.parametrize("gone", [404, 410])
def test_a_device_the_push_service_no_longer_knows_is_removed(town, push_service, published, gone):
    person = resident_at(town, 5.002)
    kept, dropped = with_devices(person, push_service, 2)
    push_service.answer(dropped["endpoint"], gone)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    send_all(alert)

    assert list(PushSubscription.objects.filter(user=person).values_list("endpoint", flat=True)) == [kept["endpoint"]]
    assert push_service.answered == {gone: 1}
    assert Delivery.objects.get(alert=alert).push_status == Delivery.Status.SENT


@pytest.mark.parametrize("retry_after", ["600", "http-date"])
def test_a_push_service_that_asks_to_wait_is_not_retried_sooner(town, push_service, published, retry_after):
    person = resident_at(town, 5.002)
    [device] = with_devices(person, push_service, 1)
    if retry_after == "http-date":
        retry_after = format_datetime(timezone.now() + timedelta(seconds=600), usegmt=True)
    push_service.later(device["endpoint"], 429, retry_after)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    before = timezone.now()
    send_all(alert)

    delivery = Delivery.objects.get(alert=alert)
    assert (delivery.push_status, delivery.reason, delivery.attempts) == ("pending", "retrying", 1)
    # The first backoff alone would be 10 to 15 s.
    assert timedelta(seconds=590) <= delivery.send_after - before <= timedelta(seconds=610)
    assert push_service.answered == {429: 1} and push_service.count() == 0


def test_quiet_hours_hold_the_push_like_email(town, push_service, published):
    person = resident_at(town, 5.002)
    with_devices(person, push_service, 1)
    NotificationPreference.objects.filter(user=person).update(quiet_start=clock(0, 0), quiet_end=clock(23, 59))
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    delivery = Delivery.objects.get(alert=alert)
    assert (delivery.push_status, delivery.reason) == ("pending", "quiet_hours")
    assert send_all(alert) == []
    assert push_service.count() == 0


def test_a_resident_who_turned_push_off_gets_none(town, push_service, published):
    person = resident_at(town, 5.002)
    with_devices(person, push_service, 1)
    NotificationPreference.objects.filter(user=person).update(by_push=False)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    assert Delivery.objects.get(alert=alert).push_status == Delivery.Status.SKIPPED
    send_all(alert)
    assert push_service.count() == 0


def test_the_subscription_api_creates_refreshes_and_removes_a_device(town, push_service):
    person = resident_at(town, 5.002)
    client = resident_client(person)
    url = reverse("api-push-subscriptions")
    device = push_service.device()

    assert client.get(url).json() == {"public_key": push_service.application_server_key, "devices": 0}
    response = client.post(url, device, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["devices"] == 1
    assert preference_of(person).by_push  # enabling a device chooses the channel

    renewed = {**device, "keys": push_service.device()["keys"]}
    assert client.post(url, renewed, content_type="application/json").status_code == 201
    [subscription] = PushSubscription.objects.filter(user=person)
    assert subscription.p256dh == renewed["keys"]["p256dh"]

    assert client.delete(url, {"endpoint": device["endpoint"]}, content_type="application/json").status_code == 204
    assert not PushSubscription.objects.filter(user=person).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "ftp://push.example/x", "keys": {"p256dh": "x", "auth": "y"}}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys"),
        (
            {"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "bm90IGEga2V5", "auth": "x"}},
            "p256dh",
        ),
    ],
)
def test_the_subscription_api_refuses_unreadable_devices_with_a_message(town, push_service, body, field):
    client = resident_client(resident_at(town, 5.002))
    response = client.post(reverse("api-push-subscriptions"), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PushSubscription.objects.exists()


def test_plain_http_endpoints_are_refused_outside_tests(town, push_service, settings):
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = False
    client = resident_client(resident_at(town, 5.002))
    response = client.post(reverse("api-push-subscriptions"), push_service.device(), content_type="application/json")
    assert response.status_code == 400
    assert "https" in response.json()["endpoint"][0]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://localhost:8443/push/x",
        "https://10.0.0.5/push/x",
        "https://fcm.googleapis.com.attacker.example/fcm/send/x",
        "https://fcm.googleapis.com@attacker.example/fcm/send/x",
        "https://notfcm.googleapis.com/fcm/send/x",
        "https://attacker.example\\@fcm.googleapis.com/fcm/send/x",  # another parser's host: attacker.example
        "https://user:secret@fcm.googleapis.com/fcm/send/x",
        "https://[::1/push/x",  # unreadable: an unclosed bracket
    ],
)
def test_the_subscription_api_refuses_an_address_that_is_no_browsers_push_service(town, push_service, endpoint):
    client = resident_client(resident_at(town, 5.002))
    device = {**push_service.device(), "endpoint": endpoint}
    response = client.post(reverse("api-push-subscriptions"), device, content_type="application/json")
    assert response.status_code == 400
    assert "service de notification" in response.json()["endpoint"][0]
    assert not PushSubscription.objects.exists()


def test_the_browsers_push_services_are_accepted(town, push_service):
    person = resident_at(town, 5.002)
    client = resident_client(person)
    endpoints = [
        "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",  # Chrome, Samsung Internet, Opera
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",  # Firefox
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD",  # Edge
        "https://web.push.apple.com/QGxyz",  # Safari
    ]
    for endpoint in endpoints:
        device = {**push_service.device(), "endpoint": endpoint}
        response = client.post(reverse("api-push-subscriptions"), device, content_type="application/json")
        assert response.status_code == 201, response.content
    assert set(PushSubscription.objects.filter(user=person).values_list("endpoint", flat=True)) == set(endpoints)


def test_a_device_whose_push_service_is_no_longer_allowed_is_never_posted_to_and_is_removed(
    town, push_service, published
):
    person = resident_at(town, 5.002)
    kept, other = with_devices(person, push_service, 2)
    # Saved before the list of push services changed: the same local service, named by another host.
    elsewhere = other["endpoint"].replace("127.0.0.1", "localhost")
    PushSubscription.objects.filter(endpoint=other["endpoint"]).update(endpoint=elsewhere)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    assert send_all(alert) == []

    assert push_service.per_device() == {kept["endpoint"].rsplit("/", 1)[1]: 1}
    assert push_service.refused == []
    assert list(PushSubscription.objects.filter(user=person).values_list("endpoint", flat=True)) == [kept["endpoint"]]
    assert Delivery.objects.get(alert=alert).push_status == Delivery.Status.SENT


def test_keys_with_stray_characters_or_off_the_curve_are_refused_with_a_message(town, push_service):
    client = resident_client(resident_at(town, 5.002))
    device = {**push_service.device(), "endpoint": "https://fcm.googleapis.com/fcm/send/x"}
    off_curve = "B" + "A" * 86  # 65 bytes starting with 0x04, but (0, 0) is no point of P-256
    stray = "A" * 22 + "." * 40  # 16 bytes once the dots are skipped, 62 characters to store
    for keys, field in (({"p256dh": off_curve}, "p256dh"), ({"auth": stray}, "auth")):
        body = {**device, "keys": {**device["keys"], **keys}}
        response = client.post(reverse("api-push-subscriptions"), body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert not PushSubscription.objects.exists()


def test_a_browser_left_by_another_person_turns_push_on_only_for_the_one_who_enables_it(town, push_service):
    first, second = resident_at(town, 5.002), resident_at(town, 5.003)
    [device] = with_devices(first, push_service, 1)
    NotificationPreference.objects.update_or_create(user=second, defaults={"by_push": False})
    client, url = resident_client(second), reverse("api-push-subscriptions")

    # A page the second person opens refreshes the subscription it finds: the device moves to them,
    # their choice stays.
    assert client.post(url, device, content_type="application/json").status_code == 201
    assert PushSubscription.objects.get(endpoint=device["endpoint"]).user == second
    assert not preference_of(second).by_push
    # They enable notifications on it themselves: that is the choice.
    enabling = {**device, "enabled": True}
    assert client.post(url, enabling, content_type="application/json").status_code == 201
    assert preference_of(second).by_push


def test_preferences_saved_without_push_keep_the_stored_choice(town, push_service):
    person = resident_at(town, 5.002)
    with_devices(person, push_service, 1)
    client = resident_client(person)
    url = reverse("api-notification-preferences")
    body = {k: v for k, v in client.get(url).json().items() if k != "by_push"}
    assert client.put(url, body, content_type="application/json").status_code == 200
    assert preference_of(person).by_push


def test_a_device_saved_with_a_key_off_the_curve_is_removed_not_retried(town, push_service, published):
    person = resident_at(town, 5.002)
    kept, broken = with_devices(person, push_service, 2)
    PushSubscription.objects.filter(endpoint=broken["endpoint"]).update(
        p256dh="B" + "A" * 86
    )  # saved before the check
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    assert send_all(alert) == []

    assert push_service.per_device() == {kept["endpoint"].rsplit("/", 1)[1]: 1}
    assert list(PushSubscription.objects.filter(user=person).values_list("endpoint", flat=True)) == [kept["endpoint"]]
    assert Delivery.objects.get(alert=alert).push_status == Delivery.Status.SENT


def test_another_persons_endpoint_is_not_removed(town, push_service):
    owner, other = resident_at(town, 5.002), resident_at(town, 5.003)
    [device] = with_devices(owner, push_service, 1)
    response = resident_client(other).delete(
        reverse("api-push-subscriptions"), {"endpoint": device["endpoint"]}, content_type="application/json"
    )
    assert response.status_code == 204
    assert PushSubscription.objects.filter(user=owner).count() == 1


def test_deliveries_that_only_push_are_pushed_together_and_each_device_gets_one(town, push_service, published):
    people = [resident_at(town, 5.001 + 0.001 * index) for index in range(6)]
    devices = {person.id: with_devices(person, push_service, 2) for person in people}
    NotificationPreference.objects.filter(user__in=people).update(by_email=False)
    failing, gone = devices[people[1].id][1], devices[people[2].id][0]
    push_service.answer(failing["endpoint"], 503)
    push_service.answer(gone["endpoint"], 410)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004), description="Tag rue"))
    deliveries = {d.recipient_id: d for d in Delivery.objects.filter(alert=alert)}
    assert {(d.email_status, d.push_status) for d in deliveries.values()} == {("skipped", "pending")}

    assert send_all(alert) == [deliveries[people[1].id].id]  # only the delivery whose device answered 503
    assert push_service.refused == []
    assert push_service.count() == 2 * len(people) - 2
    assert not PushSubscription.objects.filter(endpoint=gone["endpoint"]).exists()
    settled = {d.recipient_id: d for d in Delivery.objects.filter(alert=alert)}
    assert {settled[p.id].status for p in people if p != people[1]} == {"sent"}
    assert PushReceipt.objects.filter(delivery__alert=alert).count() == 2 * len(people) - 2

    Delivery.objects.filter(alert=alert).update(send_after=alert.published_at)  # its backoff is over
    assert send_all(alert) == []
    tokens = [d["endpoint"].rsplit("/", 1)[1] for person_devices in devices.values() for d in person_devices]
    assert push_service.per_device() == {token: 1 for token in tokens if token != gone["endpoint"].rsplit("/", 1)[1]}
    assert set(Delivery.objects.filter(alert=alert).values_list("status", flat=True)) == {"sent"}
    assert PushReceipt.objects.filter(delivery__alert=alert).count() == 2 * len(people) - 1


@pytest.mark.django_db(transaction=True)
def test_a_device_removed_while_its_push_is_in_flight_leaves_the_group_settled_once(town, push_service, published):
    """The person turns notifications off on that phone while the push to it is under way: the
    group settled with it commits, and nobody is pushed twice."""
    leaving, staying = resident_at(town, 5.002), resident_at(town, 5.003)
    [device] = with_devices(leaving, push_service, 1)
    [other] = with_devices(staying, push_service, 1)
    NotificationPreference.objects.filter(user__in=[leaving, staying]).update(by_email=False)

    def turned_off():
        push_subscription_remove(user=leaving, endpoint=device["endpoint"])
        connection.close()  # this thread's own connection: the removal is committed

    push_service.meanwhile(device["endpoint"], turned_off)
    alert = published(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    assert send_all(alert) == []

    assert not PushSubscription.objects.filter(user=leaving).exists()
    deliveries = Delivery.objects.filter(alert=alert)
    assert {(d.status, d.push_status) for d in deliveries} == {("sent", "sent")}
    assert send_all(alert) == []  # run again (the sweeper): nothing left to push
    assert push_service.per_device() == {
        device["endpoint"].rsplit("/", 1)[1]: 1,
        other["endpoint"].rsplit("/", 1)[1]: 1,
    }
