"""What the open standards do when a lower app announces a change: forget the cached tiles of the
layer that changed. Connected in StandardsConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from alerts.signals import alert_follow_up_changed, alert_published
from standards.tile_cache import tile_layer_changed
from zones.models import Commune, Zone
from zones.signals import neighbourhoods_changed


@receiver(alert_published, dispatch_uid="standards.alert_tiles_after_publication")
@receiver(alert_follow_up_changed, dispatch_uid="standards.alert_tiles_after_follow_up")
def alert_tiles_forget(sender, **kwargs) -> None:
    tile_layer_changed("alerts")


@receiver(neighbourhoods_changed, dispatch_uid="standards.neighbourhood_tiles_after_change")
def neighbourhood_tiles_forget(sender, **kwargs) -> None:
    tile_layer_changed("neighbourhoods")


@receiver(post_save, sender=Zone, dispatch_uid="standards.zone_tiles_after_save")
@receiver(post_delete, sender=Zone, dispatch_uid="standards.zone_tiles_after_delete")
def zone_tiles_forget(sender, instance: Zone, **kwargs) -> None:
    tile_layer_changed("neighbourhoods" if instance.kind == Zone.Kind.NEIGHBOURHOOD else "police_sectors")


@receiver(post_save, sender=Commune, dispatch_uid="standards.commune_tiles_after_save")
@receiver(post_delete, sender=Commune, dispatch_uid="standards.commune_tiles_after_delete")
def commune_tiles_forget(sender, **kwargs) -> None:
    """A commune drawn, redrawn or joining Vigie (the tiles below zoom 8 hold the joined ones)."""
    tile_layer_changed("communes")
