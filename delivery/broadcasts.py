"""Top-down messages from the town hall (communication descendante), sent through the same
deliveries as alerts."""

import json

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.models import User
from accounts.selectors import staffed_communes, verified_residents_sql
from delivery.models import Broadcast, Delivery
from delivery.sending import deliveries_dispatch_on_commit, deliveries_insert
from zones.locking import boundaries_lock_for_routing
from zones.models import Commune, Zone

_BROADCAST_RECIPIENTS = sql.SQL("SELECT r.user_id, false AS is_police FROM ({residents}) AS r")


def broadcast_residents_sql(broadcast: Broadcast, neighbourhoods: list[Zone]) -> tuple[sql.Composed, dict]:
    """Verified residents of the commune, of the chosen neighbourhoods, or whose home is in the
    area; always of the sender's commune: a town hall speaks to its own residents, and an area drawn
    over the neighbouring town must neither reach its residents nor count them."""
    if broadcast.target == Broadcast.Target.NEIGHBOURHOODS:
        return verified_residents_sql(
            commune_id=broadcast.commune_id, neighbourhood_ids=[z.id for z in neighbourhoods]
        )
    if broadcast.target == Broadcast.Target.AREA:
        return verified_residents_sql(commune_id=broadcast.commune_id, area=broadcast.area)
    return verified_residents_sql(commune_id=broadcast.commune_id)


def broadcast_area_parse(*, geojson: str | dict, commune: Commune) -> MultiPolygon:
    """A drawn area as a valid MultiPolygon in EPSG:4326 that meets the commune; ValidationError
    with a clear message otherwise."""
    text = geojson if isinstance(geojson, str) else json.dumps(geojson)
    try:
        geometry = GEOSGeometry(text)
    except (GEOSException, GDALException, ValueError, TypeError) as error:
        raise ValidationError(_("La zone dessinée n'est pas un GeoJSON lisible.")) from error
    if geometry.srid not in (None, 4326):
        raise ValidationError(_("La zone dessinée doit être en longitude/latitude (WGS 84)."))
    geometry.srid = 4326
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=4326)
    if not isinstance(geometry, MultiPolygon):
        raise ValidationError(_("La zone dessinée doit être un polygone."))
    if not geometry.valid:
        raise ValidationError(_("La zone dessinée n'est pas valide : %(reason)s") % {"reason": geometry.valid_reason})
    lon_min, lat_min, lon_max, lat_max = geometry.extent
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        raise ValidationError(_("Les coordonnées de la zone dessinée sont hors limites."))
    if not geometry.intersects(commune.boundary):
        raise ValidationError(_("La zone dessinée ne touche pas la commune %(name)s.") % {"name": commune.name})
    return geometry


@transaction.atomic
def broadcast_send(
    *,
    author: User,
    commune: Commune,
    kind: str,
    title: str,
    body: str,
    target: str,
    neighbourhoods: list[Zone] | None = None,
    area: MultiPolygon | None = None,
    by_email: bool = True,
    by_sms: bool = False,
) -> Broadcast:
    """Record the broadcast, create its deliveries in one statement, queue them after commit."""
    neighbourhoods = neighbourhoods or []
    if any(zone.commune_id != commune.id or zone.kind != Zone.Kind.NEIGHBOURHOOD for zone in neighbourhoods):
        raise ValidationError(_("Un des quartiers choisis n'appartient pas à la commune."))
    boundaries_lock_for_routing()  # the chosen versions stay current until their homes are read
    chosen = [zone.id for zone in neighbourhoods]
    if Zone.objects.current().filter(id__in=chosen).count() != len(chosen):
        raise ValidationError(_("Un des quartiers choisis a été redessiné depuis : rechargez la page."))
    if target == Broadcast.Target.NEIGHBOURHOODS and not neighbourhoods:
        raise ValidationError(_("Choisissez au moins un quartier."))
    if target == Broadcast.Target.AREA and area is None:
        raise ValidationError(_("Dessinez la zone à prévenir."))
    broadcast = Broadcast(
        author=author,
        commune=commune,
        kind=kind,
        title=title,
        body=body,
        target=target,
        area=area if target == Broadcast.Target.AREA else None,
        by_email=by_email,
        by_sms=by_sms,
    )
    broadcast.full_clean()
    broadcast.save()
    if target == Broadcast.Target.NEIGHBOURHOODS:
        broadcast.neighbourhoods.set(neighbourhoods)
    residents, params = broadcast_residents_sql(broadcast, neighbourhoods)
    broadcast.recipients = deliveries_insert(
        kind=Delivery.Kind.BROADCAST,
        recipients=_BROADCAST_RECIPIENTS.format(residents=residents),
        params=params,
        broadcast_id=broadcast.id,
        urgent=broadcast.is_urgent,
        time_zone=commune.time_zone,
        by_email=by_email,
        by_sms=by_sms,
    )
    broadcast.save(update_fields=["recipients"])
    deliveries_dispatch_on_commit(kind=Delivery.Kind.BROADCAST, message_id=broadcast.id)
    return broadcast


def broadcasts_visible_to(user: User):
    """Broadcasts of the communes whose staff or mayor the person is, newest first."""

    return (
        Broadcast.objects.filter(commune__in=staffed_communes(user))
        .select_related("commune", "author")
        .order_by("-created_at", "-id")
    )


def broadcast_delivery_counts(broadcast: Broadcast) -> dict[str, int]:
    """How many deliveries are in each status, and how many were read."""
    counts = dict(
        Delivery.objects.filter(broadcast=broadcast, kind=Delivery.Kind.BROADCAST)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts["read"] = Delivery.objects.filter(broadcast=broadcast, read_at__isnull=False).count()
    return {status: counts.get(status, 0) for status in ("pending", "sent", "failed", "skipped", "read")}
