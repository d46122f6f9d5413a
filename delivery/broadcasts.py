"""Top-down messages from the town hall (communication descendante), sent through the same
deliveries as alerts."""

import hashlib
import json
from dataclasses import dataclass

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.models import User
from accounts.selectors import staffed_communes, verified_residents_sql
from delivery.channels.email import email_parts
from delivery.channels.sms import sms_text
from delivery.messages import broadcast_message, inbox_link
from delivery.models import Broadcast, BroadcastRevision, Delivery
from delivery.sending import (
    AudienceCounts,
    broadcast_deliveries_insert,
    deliveries_audience_counts,
    deliveries_dispatch_on_commit,
)
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


def broadcast_build(
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
    """The broadcast as it would be sent, checked but not saved: what the preview shows and counts."""
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
    broadcast.chosen_neighbourhoods = neighbourhoods if target == Broadcast.Target.NEIGHBOURHOODS else []
    return broadcast


def _recipients_sql(broadcast: Broadcast) -> tuple[sql.Composed, dict]:
    residents, params = broadcast_residents_sql(broadcast, broadcast.chosen_neighbourhoods)
    return _BROADCAST_RECIPIENTS.format(residents=residents), params


def broadcast_audience(*, broadcast: Broadcast) -> AudienceCounts:
    """How many residents an unsaved broadcast would reach now, by channel: the same selection and the
    same channel rules as the sending, counted without writing."""
    recipients, params = _recipients_sql(broadcast)
    return deliveries_audience_counts(
        recipients=recipients,
        params=params,
        time_zone=broadcast.commune.time_zone,
        urgent=broadcast.is_urgent,
        by_email=broadcast.by_email,
        by_sms=broadcast.by_sms,
    )


@dataclass(frozen=True)
class BroadcastPreview:
    """What the sender reads before sending: the email and the text message as residents will get them
    (in the sender's language; each resident gets the language they use the site in) and how many
    residents each channel would reach now."""

    audience: AudienceCounts
    email_subject: str
    email_text: str
    sms_text: str | None
    whole_commune: bool
    digest: str


def broadcast_preview(*, broadcast: Broadcast) -> BroadcastPreview:
    message = broadcast_message(broadcast, link=inbox_link())
    subject, text, _html = email_parts(message)
    return BroadcastPreview(
        audience=broadcast_audience(broadcast=broadcast),
        email_subject=subject,
        email_text=text,
        sms_text=sms_text(message) if broadcast.by_sms else None,
        whole_commune=broadcast.target == Broadcast.Target.COMMUNE,
        digest=broadcast_preview_digest(broadcast),
    )


def broadcast_preview_digest(broadcast: Broadcast) -> str:
    """A fingerprint of everything that decides what leaves and to whom: sending checks that the
    message sent is the one previewed."""
    parts = [
        broadcast.commune_id,
        broadcast.kind,
        broadcast.title,
        broadcast.body,
        broadcast.target,
        broadcast.area.wkt if broadcast.area else "",
        sorted(zone.id for zone in broadcast.chosen_neighbourhoods),
        broadcast.by_email,
        broadcast.by_sms,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@transaction.atomic
def broadcast_send(*, whole_commune_confirmed: bool = False, **fields) -> Broadcast:
    """Record the broadcast, create its deliveries in one statement, queue them after commit. A message
    to the whole commune leaves only once its sender has confirmed it: it reaches every resident."""
    broadcast = broadcast_build(**fields)
    if broadcast.target == Broadcast.Target.COMMUNE and not whole_commune_confirmed:
        raise ValidationError(
            _("Confirmez l'envoi à toute la commune : le message partira à chacun de ses habitants inscrits.")
        )
    broadcast.save()
    if broadcast.target == Broadcast.Target.NEIGHBOURHOODS:
        broadcast.neighbourhoods.set(broadcast.chosen_neighbourhoods)
    recipients, params = _recipients_sql(broadcast)
    broadcast.recipients = broadcast_deliveries_insert(broadcast=broadcast, recipients=recipients, params=params)
    broadcast.save(update_fields=["recipients"])
    deliveries_dispatch_on_commit(kind=Delivery.Kind.BROADCAST, message_id=broadcast.id)
    return broadcast


def _skipped_if_pending(channel: str) -> Case:
    return Case(When(**{channel: Delivery.Status.PENDING}, then=Value(Delivery.Status.SKIPPED)), default=F(channel))


def _revision_check(broadcast: Broadcast, author: User) -> None:
    if not staffed_communes(author).filter(id=broadcast.commune_id).exists():
        raise ValidationError(_("Seuls le maire et les agents de la commune peuvent modifier ses messages."))
    if broadcast.is_withdrawn:
        raise ValidationError(_("Ce message a été retiré : il ne peut plus être corrigé ni retiré."))


def _revision(broadcast: Broadcast, author: User, action: str, note: str) -> BroadcastRevision:
    """The history row of a correction or withdrawal, keeping the text it replaces; checked, not saved."""
    _revision_check(broadcast, author)
    return BroadcastRevision(
        broadcast=broadcast,
        action=action,
        author=author,
        previous_title=broadcast.title,
        previous_body=broadcast.body,
        note=note.strip(),
    )


@transaction.atomic
def broadcast_correct(*, broadcast: Broadcast, author: User, title: str, body: str, note: str = "") -> Broadcast:
    """Replace the message's title and text, keeping the replaced text in its history. Residents'
    inboxes show the corrected text, and the CAP feed sends an Update referring to every earlier
    version."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    title, body = title.strip(), body.strip()
    if (title, body) == (broadcast.title, broadcast.body):
        raise ValidationError({"body": [_("La correction ne change rien au message.")]})
    revision = _revision(broadcast, author, BroadcastRevision.Action.CORRECTION, note)
    broadcast.title, broadcast.body = title, body
    broadcast.full_clean(exclude=["commune", "author", "neighbourhoods"])
    revision.full_clean(exclude=["broadcast", "author"])
    broadcast.save(update_fields=["title", "body"])
    revision.save()
    return broadcast


@transaction.atomic
def broadcast_withdraw(*, broadcast: Broadcast, author: User, note: str = "") -> Broadcast:
    """Withdraw the message: it is marked withdrawn in the inboxes, deliveries not yet sent (held by
    quiet hours or waiting for a retry) are not sent, and the CAP feed sends a Cancel."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    revision = _revision(broadcast, author, BroadcastRevision.Action.WITHDRAWAL, note)
    revision.full_clean(exclude=["broadcast", "author"])
    revision.save()
    broadcast.withdrawn_at = revision.created_at
    broadcast.save(update_fields=["withdrawn_at"])
    Delivery.objects.filter(broadcast=broadcast, kind=Delivery.Kind.BROADCAST, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED,
        reason="withdrawn",
        **{channel: _skipped_if_pending(channel) for channel in ("email_status", "sms_status", "push_status")},
    )
    return broadcast


def broadcasts_visible_to(user: User):
    """Broadcasts of the communes whose staff or mayor the person is, newest first."""

    return (
        Broadcast.objects.filter(commune__in=staffed_communes(user))
        .select_related("commune", "author")
        .order_by("-created_at", "-id")
    )


def broadcast_delivery_counts(broadcast: Broadcast) -> dict[str, int]:
    """How many deliveries are in each status, how many were read, and why those still pending wait:
    held by the resident's quiet hours (until they end), waiting for a new attempt after a failure,
    or queued to leave now. One aggregate query."""
    now = timezone.now()
    pending = Q(status=Delivery.Status.PENDING)
    quiet = pending & Q(reason="quiet_hours", send_after__gt=now)
    retry = pending & Q(attempts__gt=0) & ~quiet
    figures = {
        **{status: Count("id", filter=Q(status=status)) for status in ("pending", "sent", "failed", "skipped")},
        "read": Count("id", filter=Q(read_at__isnull=False)),
        "pending_quiet_hours": Count("id", filter=quiet),
        "pending_retry": Count("id", filter=retry),
        "pending_queued": Count("id", filter=pending & ~quiet & ~retry),
        "email_sent": Count("id", filter=Q(email_status=Delivery.Status.SENT)),
        "sms_sent": Count("id", filter=Q(sms_status=Delivery.Status.SENT)),
    }
    return Delivery.objects.filter(broadcast=broadcast, kind=Delivery.Kind.BROADCAST).aggregate(**figures)
