"""Keeping what accounts derive from the geography current when the geography changes."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.services import residences_reassign
from zones.models import Zone
from zones.signals import neighbourhoods_changed


@receiver(neighbourhoods_changed, dispatch_uid="accounts.residences_after_neighbourhoods_changed")
def residences_after_neighbourhoods_changed(sender, *, commune_ids, zone_ids, **kwargs) -> int:
    return residences_reassign(commune_ids=commune_ids, zone_ids=zone_ids)


@receiver(post_delete, sender=Zone, dispatch_uid="accounts.residences_after_neighbourhood_deleted")
def residences_after_neighbourhood_deleted(sender, instance: Zone, **kwargs) -> None:
    """The deleted neighbourhood's homes were set to none; another one may cover them."""
    if instance.kind == Zone.Kind.NEIGHBOURHOOD:
        residences_reassign(commune_ids=[instance.commune_id], zone_ids=[])
