"""Celery tasks of the patrols, run by beat (config/settings/base.py): they call a service and return."""

from celery import shared_task

from patrols import services


@shared_task(name="patrols.absences_purge", ignore_result=True)
def absences_purge() -> int:
    return services.absences_purge()


@shared_task(name="patrols.absence_reminders_send", ignore_result=True)
def absence_reminders_send() -> int:
    return services.absence_reminders_send()
