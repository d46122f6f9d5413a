"""Writes of Opération Tranquillité Vacances: a resident declares, edits and cancels an absence; an
agent records a visit, which sends the resident a notice of passage; beat reminds residents and
deletes what the retention period no longer allows to keep."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Residence, User
from delivery.models import Delivery
from delivery.notices import resident_notice_send
from patrols.models import Absence, Visit


class VisitRefused(ValueError):
    pass


def _local_today(residence: Residence) -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(residence.commune.time_zone))


def _check_dates(*, starts_on: date, ends_on: date, today: date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("La date de retour doit suivre la date de départ.")})
    if ends_on < today:
        raise ValidationError({"ends_on": _("Cette absence est déjà terminée.")})
    if (ends_on - starts_on).days + 1 > settings.PATROLS_ABSENCE_MAX_DAYS:
        raise ValidationError(
            {
                "ends_on": _("Une déclaration couvre %(days)s jours au plus.")
                % {"days": settings.PATROLS_ABSENCE_MAX_DAYS}
            }
        )


def absence_create(*, resident: User, residence: Residence, starts_on: date, ends_on: date, **details) -> Absence:
    """Declare an absence for the resident's verified home."""
    _check_dates(starts_on=starts_on, ends_on=ends_on, today=_local_today(residence))
    absence = Absence(resident=resident, residence=residence, starts_on=starts_on, ends_on=ends_on, **details)
    absence.full_clean()
    absence.save()
    return absence


def absence_update(*, absence: Absence, starts_on: date, ends_on: date, **details) -> Absence:
    _check_dates(starts_on=starts_on, ends_on=ends_on, today=_local_today(absence.residence))
    absence.starts_on, absence.ends_on, absence.updated_at = starts_on, ends_on, timezone.now()
    for name, value in details.items():
        setattr(absence, name, value)
    absence.full_clean()
    absence.save()
    return absence


def absence_cancel(*, absence: Absence) -> Absence:
    if absence.cancelled_at is None:
        absence.cancelled_at = timezone.now()
        absence.save(update_fields=["cancelled_at"])
    return absence


def _distance_m(a: Point, b: Point) -> float:
    """Metres on the WGS 84 spheroid."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Distance(%s::geography, %s::geography)", [a.ewkt, b.ewkt])
        return float(cursor.fetchone()[0])


@transaction.atomic
def visit_record(
    *, absence: Absence, agent: User, position: Point, observation: str, anomaly: str = ""
) -> tuple[Visit, bool]:
    """Record a visit from the agent's phone at the home, and send the resident one notice of
    passage. A second tap by the same agent within PATROLS_VISIT_REPEAT_MINUTES is the same visit:
    (visit, False), no second notice."""
    absence = Absence.objects.select_for_update(of=("self",)).select_related("residence__commune").get(pk=absence.pk)
    today = _local_today(absence.residence)
    if absence.cancelled_at is not None or not absence.starts_on <= today <= absence.ends_on:
        raise VisitRefused(_("Cette absence n'est pas en cours aujourd'hui."))
    distance = _distance_m(position, absence.residence.home)
    if distance > settings.PATROLS_VISIT_MAX_DISTANCE_M:
        raise VisitRefused(
            _("Votre position est à %(distance)s m du domicile : un passage s'enregistre à %(max)s m au plus.")
            % {"distance": round(distance), "max": settings.PATROLS_VISIT_MAX_DISTANCE_M}
        )
    since = timezone.now() - timedelta(minutes=settings.PATROLS_VISIT_REPEAT_MINUTES)
    repeated = absence.visits.filter(agent=agent, visited_at__gte=since).order_by("-visited_at").first()
    if repeated is not None:
        return repeated, False
    visit = Visit(
        absence=absence,
        resident_id=absence.resident_id,
        agent=agent,
        day=today,
        position=position,
        distance_m=distance,
        observation=observation,
        anomaly=anomaly.strip() if observation == Visit.Observation.ANOMALY else "",
    )
    visit.full_clean()
    visit.save()
    visit_notice_send(visit=visit)
    return visit, True


def visit_notice_send(*, visit: Visit) -> bool:
    """The resident's notice of passage for this visit, once: False if it was already sent."""
    return resident_notice_send(
        kind=Delivery.Kind.PATROL_VISIT,
        notice_id=visit.pk,
        resident_id=visit.resident_id,
        time_zone=visit.absence.residence.commune.time_zone,
        noticed_at=visit.visited_at,
    )


@transaction.atomic
def absence_reminders_send() -> int:
    """Remind residents whose absence starts within PATROLS_ABSENCE_REMINDER_DAYS, once each, if they
    declared it earlier than that (a declaration made the day before needs no reminder)."""
    today = timezone.localdate()
    horizon = today + timedelta(days=settings.PATROLS_ABSENCE_REMINDER_DAYS)
    due = (
        Absence.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(cancelled_at__isnull=True, reminded_at__isnull=True, starts_on__gte=today, starts_on__lte=horizon)
        .select_related("residence__commune")
    )
    sent = 0
    for absence in due:
        absence.reminded_at = timezone.now()
        absence.save(update_fields=["reminded_at"])
        if (absence.starts_on - timezone.localdate(absence.created_at)).days <= settings.PATROLS_ABSENCE_REMINDER_DAYS:
            continue
        sent += resident_notice_send(
            kind=Delivery.Kind.ABSENCE_REMINDER,
            notice_id=absence.pk,
            resident_id=absence.resident_id,
            time_zone=absence.residence.commune.time_zone,
            noticed_at=absence.reminded_at,
        )
    return sent


def absences_purge() -> int:
    """Delete absences (their visits with them) PATROLS_ABSENCE_RETENTION_DAYS after they ended or
    were cancelled; returns how many absences went."""
    days = settings.PATROLS_ABSENCE_RETENTION_DAYS
    ended_before = timezone.localdate() - timedelta(days=days)
    cancelled_before = timezone.now() - timedelta(days=days)
    expired = Absence.objects.filter(ends_on__lt=ended_before) | Absence.objects.filter(
        cancelled_at__lt=cancelled_before
    )
    deleted, by_model = expired.delete()
    return by_model.get(Absence._meta.label, 0)
