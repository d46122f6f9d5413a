"""A resident declares, edits and cancels an absence from the phone; is reminded before it starts;
the declaration is deleted after the retention period by beat, and belongs to the resident's export
and erasure."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from delivery.models import Delivery
from patrols import services
from patrols.models import Absence, Visit
from tests.patrols.conftest import declare

pytestmark = pytest.mark.django_db


def day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def test_a_resident_declares_edits_and_cancels_an_absence(patrol_world):
    client = patrol_world.client("neighbour_a")
    form = {"starts_on": day(3), "ends_on": day(10), "contact_phone": "0611223344", "key_holder": "Mme Martin"}
    assert client.post("/tranquillite-vacances/", form).status_code == 302
    absence = Absence.objects.get(resident=patrol_world.people["neighbour_a"])
    assert (absence.starts_on.isoformat(), absence.key_holder) == (day(3), "Mme Martin")

    edited = {**form, "ends_on": day(12), "notes": "Lumières sur minuterie"}
    assert client.post(f"/tranquillite-vacances/{absence.id}/", edited).status_code == 302
    absence.refresh_from_db()
    assert (absence.ends_on.isoformat(), absence.notes) == (day(12), "Lumières sur minuterie")

    assert client.post(f"/tranquillite-vacances/{absence.id}/annuler/").status_code == 302
    absence.refresh_from_db()
    assert absence.cancelled_at is not None
    assert client.get(f"/tranquillite-vacances/{absence.id}/").status_code == 404  # no edit once cancelled


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        (5, 2, "doit suivre"),
        (-10, -2, "déjà terminée"),
        (0, 200, "92 jours au plus"),
    ],
)
def test_impossible_dates_are_refused_with_a_message(patrol_world, starts, ends, message):
    client = patrol_world.client("neighbour_a")
    response = client.post("/tranquillite-vacances/", {"starts_on": day(starts), "ends_on": day(ends)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Absence.objects.filter(resident=patrol_world.people["neighbour_a"]).exists()


def test_a_resident_without_a_verified_home_cannot_declare(patrol_world):
    from accounts.models import Residence

    Residence.objects.filter(user=patrol_world.people["neighbour_a"]).update(status=Residence.Status.PENDING)
    response = patrol_world.client("neighbour_a").post(
        "/tranquillite-vacances/", {"starts_on": day(1), "ends_on": day(3)}
    )
    assert response.status_code == 403


def test_the_reminder_goes_once_before_the_start_and_not_for_last_minute_declarations(patrol_world):
    early = declare(patrol_world.people["neighbour_a"], days_from=settings.PATROLS_ABSENCE_REMINDER_DAYS)
    Absence.objects.filter(pk=early.pk).update(created_at=timezone.now() - datetime.timedelta(days=20))
    late = declare(patrol_world.people["resident_b"], days_from=1)
    assert services.absence_reminders_send() == 1
    assert services.absence_reminders_send() == 0
    reminders = Delivery.objects.filter(kind=Delivery.Kind.ABSENCE_REMINDER)
    assert list(reminders.values_list("notice_id", flat=True)) == [early.pk]
    assert late.pk not in reminders.values_list("notice_id", flat=True)


def test_beat_deletes_absences_and_their_visits_after_the_retention_period(patrol_world, settings):
    settings.PATROLS_ABSENCE_RETENTION_DAYS = 30
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "patrols.absences_purge")
    resident = patrol_world.people["neighbour_a"]
    old = declare(resident)
    Absence.objects.filter(pk=old.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=45),
        ends_on=timezone.localdate() - datetime.timedelta(days=31),
    )
    Visit.objects.create(
        absence=old,
        resident=resident,
        day=old.starts_on,
        position=resident.residence.home,
        distance_m=0,
        observation="nothing",
    )
    recent = declare(patrol_world.people["resident_b"])
    Absence.objects.filter(pk=recent.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=35),
        ends_on=timezone.localdate() - datetime.timedelta(days=29),
    )
    cancelled = declare(patrol_world.people["resident_c"])
    Absence.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now() - datetime.timedelta(days=31))

    celery_app.loader.import_default_modules()  # what a worker does at start
    celery_app.tasks[entry["task"]].apply()

    assert not Absence.objects.filter(pk__in=[old.pk, cancelled.pk]).exists()
    assert not Visit.objects.exists()
    assert Absence.objects.filter(pk=recent.pk).exists()


def test_the_export_holds_the_absences_and_visits_and_erasure_removes_them(patrol_world):
    resident = patrol_world.people["resident_a"]
    absence = patrol_world.absences["a"]
    services.visit_record(
        absence=absence, agent=patrol_world.people["police_a"], position=resident.residence.home, observation="nothing"
    )
    client = patrol_world.client("resident_a")
    export = client.get("/api/me/export/").json()
    [exported] = export["patrols.absence.resident"]
    assert exported["contact_phone"] == "0600000000"
    [visit] = export["patrols.visit.resident"]
    assert visit["agent"] == {"role": "un membre de l'équipe de la commune"}  # never the agent's name

    assert client.post("/api/me/delete/", {"password": "correct horse battery"}).status_code == 204
    assert not Absence.objects.filter(pk=absence.pk).exists() and not Visit.objects.exists()
