"""Keeping what accounts derive current: homes when the geography changes, proof files when their
rows go, the navigation kept in the cache when a person's roles change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import ProofOfResidence, Referent, Residence, Role
from accounts.navigation import navigation_forget
from accounts.services import proof_files_delete_on_commit, residences_reassign
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


@receiver(post_delete, sender=ProofOfResidence, dispatch_uid="accounts.proof_file_after_row_deleted")
def proof_file_after_row_deleted(sender, instance: ProofOfResidence, **kwargs) -> None:
    """A proof deleted with its resident, home or in the admin takes its file along: the hourly
    purge works from rows and would never find it again."""
    proof_files_delete_on_commit([instance.file.name])


@receiver(post_save, sender=Role, dispatch_uid="accounts.navigation_after_role_saved")
@receiver(post_delete, sender=Role, dispatch_uid="accounts.navigation_after_role_deleted")
@receiver(post_save, sender=Residence, dispatch_uid="accounts.navigation_after_residence_saved")
@receiver(post_delete, sender=Residence, dispatch_uid="accounts.navigation_after_residence_deleted")
@receiver(post_save, sender=Referent, dispatch_uid="accounts.navigation_after_referent_saved")
@receiver(post_delete, sender=Referent, dispatch_uid="accounts.navigation_after_referent_deleted")
def navigation_after_roles_changed(sender, instance, **kwargs) -> None:
    if instance.user_id is not None:
        navigation_forget(instance.user_id)
