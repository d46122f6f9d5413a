"""Good-practice reminders: scheduled from the library, sent by the periodic task when due, to the
commune or chosen neighbourhoods, never more than one per resident in DELIVERY_REMINDER_MIN_DAYS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from delivery.models import Broadcast, Delivery, Reminder
from delivery.reminders.library import ready_texts
from delivery.reminders.scheduling import reminder_schedule, reminders_send_due
from delivery.tasks import reminders_send_due as reminders_send_due_task
from tests.auth import staff_client
from tests.delivery.conftest import resident_at
from tests.factories import UserFactory, make_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def mayor(town):
    person = UserFactory()
    make_role(user=person, kind=Role.Kind.MAYOR, commune=town.commune)
    return person


def schedule(mayor, town, *, key="heatwave", minutes=1, **kwargs):
    reminder = reminder_schedule(
        author=mayor,
        commune=town.commune,
        text_key=key,
        language="fr",
        send_at=timezone.now() + timedelta(minutes=minutes),
        target=kwargs.pop("target", Reminder.Target.COMMUNE),
        **kwargs,
    )
    Reminder.objects.filter(pk=reminder.pk).update(send_at=timezone.now() - timedelta(seconds=1))  # now due
    return reminder


def reminded(reminder) -> set[int]:
    reminder.refresh_from_db()
    return set(Delivery.objects.filter(broadcast=reminder.broadcast).values_list("recipient_id", flat=True))


def test_the_library_ships_at_least_ten_texts_in_french_and_english():
    texts = ready_texts()
    assert len(texts) >= 10
    for text in texts.values():
        assert text.title["fr"] and text.title["en"] and text.body["fr"] and text.body["en"]
        assert text.title["fr"] != text.title["en"]


def test_a_due_reminder_is_sent_once_to_the_chosen_neighbourhood(town, mayor):
    north = resident_at(town, 5.005)
    resident_at(town, 5.015)  # Sud
    reminder = schedule(mayor, town, target=Reminder.Target.NEIGHBOURHOODS, neighbourhoods=[town.north])
    later = schedule(mayor, town, key="cold-snap")
    Reminder.objects.filter(pk=later.pk).update(send_at=timezone.now() + timedelta(hours=1))

    assert reminders_send_due_task() == 1  # what Celery beat runs every minute
    assert reminders_send_due() == []

    assert reminded(reminder) == {north.id}
    assert reminder.broadcast.kind == Broadcast.Kind.REMINDER
    assert reminder.broadcast.title == "Canicule : prenons des nouvelles"
    assert Reminder.objects.get(pk=later.pk).broadcast is None


def test_a_resident_gets_at_most_one_reminder_a_week(town, mayor, settings):
    settings.DELIVERY_REMINDER_MIN_DAYS = 7
    recent, old, fresh = resident_at(town, 5.003), resident_at(town, 5.004), resident_at(town, 5.005)
    first = schedule(
        mayor, town, key="car-valuables", target=Reminder.Target.NEIGHBOURHOODS, neighbourhoods=[town.north]
    )
    reminders_send_due()
    assert reminded(first) == {recent.id, old.id, fresh.id}
    # Six days ago for one, eight for another; the third had none.
    Delivery.objects.filter(broadcast=first.broadcast, recipient=recent).update(
        created_at=timezone.now() - timedelta(days=6)
    )
    Delivery.objects.filter(broadcast=first.broadcast, recipient=old).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    Delivery.objects.filter(broadcast=first.broadcast, recipient=fresh).delete()
    # An ordinary town hall message does not count as a reminder.
    info = Broadcast.objects.create(commune=town.commune, kind="information", title="Info", body="x", target="commune")
    Delivery.objects.create(recipient=fresh, kind="broadcast", broadcast=info)

    second = schedule(mayor, town, key="door-callers")
    third = schedule(mayor, town, key="bikes-sheds")  # due in the same minute
    reminders_send_due()

    assert reminded(second) == {old.id, fresh.id}
    assert reminded(third) == set()


def test_the_town_hall_schedules_and_cancels_from_its_page(town, mayor):
    client = staff_client(mayor)
    send_at = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/mairie/rappels/",
        {
            "commune": town.commune.id,
            "text_key": "locking-holidays",
            "language": "en",
            "send_at": send_at,
            "target": "commune",
        },
    )
    assert response.status_code == 302
    reminder = Reminder.objects.get()
    assert reminder.title == "Before you go on holiday" and reminder.author == mayor

    past = client.post(
        "/mairie/rappels/",
        {
            "commune": town.commune.id,
            "text_key": "heatwave",
            "language": "fr",
            "send_at": "2020-01-01T10:00",
            "target": "neighbourhoods",
        },
    )
    assert past.status_code == 400
    unknown = client.post(
        "/mairie/rappels/",
        {"commune": town.commune.id, "text_key": "inconnu", "language": "fr", "send_at": send_at, "target": "commune"},
    )
    assert unknown.status_code == 400
    assert Reminder.objects.count() == 1

    assert client.post(f"/mairie/rappels/{reminder.id}/annuler/").status_code == 302
    Reminder.objects.filter(pk=reminder.pk).update(send_at=timezone.now() - timedelta(seconds=1))
    assert reminders_send_due() == []
    assert "Before you go on holiday" in client.get("/mairie/rappels/").content.decode()


def test_the_reminders_page_offers_the_library_in_the_pages_language(town, mayor):
    english = staff_client(mayor).get("/mairie/rappels/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = staff_client(mayor).get("/mairie/rappels/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Heatwave: let&#x27;s check on each other" in english and "Good-practice reminders" in english
    assert "Canicule : prenons des nouvelles" in french
