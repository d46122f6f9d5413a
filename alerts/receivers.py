"""Keeping photo files in step with their rows."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from alerts.models import AlertPhoto
from alerts.photos import photo_files_after_row_deleted


@receiver(post_delete, sender=AlertPhoto, dispatch_uid="alerts.photo_files_after_row_deleted")
def photo_files_after_delete(sender, instance: AlertPhoto, **kwargs) -> None:
    """A photo deleted with its author's account, its alert or in the admin takes its files along:
    the purge works from rows and would never find them again."""
    photo_files_after_row_deleted(instance)
