"""Photo work, out of the request: re-encoding uploads, blurring at publication, retention."""

from celery import shared_task
from django.conf import settings

from alerts import photos


@shared_task(name=photos.PROCESS_TASK, ignore_result=True)
def photo_process(*, photo_id: int) -> None:
    photos.alert_photo_process(photo_id=photo_id)


@shared_task(name=photos.DECISION_TASK, ignore_result=True)
def photos_after_decision(*, alert_id: int) -> int:
    return photos.alert_photos_after_decision(alert_id=alert_id)


@shared_task(name="alerts.photos_purge", ignore_result=True)
def photos_purge() -> int:
    """Delete unpublished photo files held past `ALERTS_PHOTO_RETENTION_DAYS` or past the decision."""
    return photos.photos_purge(older_than_days=settings.ALERTS_PHOTO_RETENTION_DAYS)
