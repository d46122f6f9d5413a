"""The town hall's messages and the public alerts of a commune as CAP 1.2 alerts
(OASIS Common Alerting Protocol) in an Atom feed, for public alerting systems and their consumers.

Broadcasts (delivery/) cover the commune, the neighbourhoods chosen or the drawn area; published
alerts of the categories an admin marked public (`AlertCategory.is_public`) cover only their
250 m grid cell, never the exact place. `severity`, `urgency` and `certainty` follow from the
broadcast's kind or the alert's category. A published alert whose follow-up moved on is sent as an
`Update` referring to the first message; one withdrawn after publication as a `Cancel`. So is a
broadcast the town hall corrected or withdrew (`delivery.broadcasts.broadcast_correct`/`_withdraw`)."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert
from alerts.selectors import with_generalised_location
from delivery.models import Broadcast, BroadcastRevision
from zones.models import Commune

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
FEED_SIZE = 50
# Boundaries simplified to this many metres in the commune's projection: a CAP area is read by
# sirens and phones, not surveyors.
AREA_TOLERANCE_M = 20

# kind -> (category, urgency, severity, certainty, responseType)
BROADCAST_CODES = {
    Broadcast.Kind.INFORMATION: ("Other", "Unknown", "Minor", "Unknown", "None"),
    Broadcast.Kind.PREVENTION: ("Security", "Future", "Minor", "Possible", "Monitor"),
    Broadcast.Kind.WEATHER: ("Met", "Expected", "Moderate", "Likely", "Prepare"),
    Broadcast.Kind.ROAD_WORKS: ("Transport", "Expected", "Minor", "Likely", "Avoid"),
    Broadcast.Kind.PUBLIC_SAFETY: ("Safety", "Immediate", "Moderate", "Observed", "Avoid"),
}
FAMILY_CATEGORIES = {"burglary": "Security", "theft": "Security", "suspicious": "Security", "incivility": "Safety"}


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sent: datetime
    msg_type: str
    references: str | None
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    response: str
    headline: str
    description: str
    area_description: str
    area: MultiPolygon


def _sender() -> str:
    return f"vigie@{urlparse(settings.SITE_URL).hostname or 'localhost'}"


def _cap_time(value: datetime) -> str:
    # CAP wants an explicit offset, never "Z", and whole seconds.
    return timezone.localtime(value).isoformat(timespec="seconds")


def _simplified(area: MultiPolygon, metric_srid: int) -> MultiPolygon:
    metric = area.transform(metric_srid, clone=True).simplify(AREA_TOLERANCE_M, preserve_topology=True)
    metric.transform(4326)
    return metric if isinstance(metric, MultiPolygon) else MultiPolygon(metric, srid=4326)


def _broadcast_area(broadcast: Broadcast, commune: Commune) -> tuple[str, MultiPolygon]:
    if broadcast.target == Broadcast.Target.AREA and broadcast.area:
        return _("Zone tracée par la mairie de {commune}").format(commune=commune.name), broadcast.area
    if broadcast.target == Broadcast.Target.NEIGHBOURHOODS:
        zones = list(broadcast.neighbourhoods.all())
        if zones:
            polygons = [polygon for zone in zones for polygon in zone.boundary]
            return ", ".join(zone.name for zone in zones), MultiPolygon(polygons, srid=4326)
    return commune.name, commune.boundary


def _reference(identifier: str, sent: datetime) -> str:
    """One entry of CAP's `references`: "sender,identifier,sent" of an earlier message."""
    return f"{_sender()},{identifier},{_cap_time(sent)}"


def _broadcast_versions(broadcast: Broadcast) -> list[tuple[str, datetime, str]]:
    """(identifier, sent, msgType) of every message sent about the broadcast, first to last: the
    original Alert, an Update per correction, a Cancel for its withdrawal."""
    first = f"vigie-broadcast-{broadcast.pk}"
    versions = [(first, broadcast.created_at, "Alert")]
    for revision in broadcast.revisions.all():
        msg_type = "Cancel" if revision.action == BroadcastRevision.Action.WITHDRAWAL else "Update"
        versions.append((f"{first}-{revision.pk}", revision.created_at, msg_type))
    return versions


def broadcast_message(broadcast: Broadcast, commune: Commune) -> CapMessage:
    """The broadcast as it stands: an Alert, or once corrected or withdrawn an Update or a Cancel
    whose `references` lists every earlier message about it (CAP 1.2, 3.2.1)."""
    category, urgency, severity, certainty, response = BROADCAST_CODES[broadcast.kind]
    description, area = _broadcast_area(broadcast, commune)
    *earlier, (identifier, sent, msg_type) = _broadcast_versions(broadcast)
    return CapMessage(
        identifier=identifier,
        sent=sent,
        msg_type=msg_type,
        references=" ".join(_reference(i, s) for i, s, _type in earlier) or None,
        category=category,
        event=str(broadcast.get_kind_display()),
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        response=response,
        headline=broadcast.title,
        description=broadcast.body,
        area_description=description,
        area=_simplified(area, commune.metric_srid),
    )


def _cell(alert: Alert) -> MultiPolygon:
    """The alert's grid cell: the square of side MAPS_RESIDENT_GRID_M around its generalised centre."""
    centre = alert.generalised_location.transform(alert.commune.metric_srid, clone=True)
    half = settings.MAPS_RESIDENT_GRID_M / 2
    cell = Polygon.from_bbox((centre.x - half, centre.y - half, centre.x + half, centre.y + half))
    cell.srid = alert.commune.metric_srid
    cell.transform(4326)
    return MultiPolygon(cell, srid=4326)


def alert_message(alert: Alert) -> CapMessage:
    first = f"vigie-alert-{alert.pk}"
    if alert.status != Alert.Status.PUBLISHED:
        msg_type, identifier, sent = "Cancel", f"{first}-cancel", alert.decided_at or timezone.now()
    elif alert.follow_up_at:
        msg_type, identifier, sent = "Update", f"{first}-{alert.follow_up_at:%Y%m%d%H%M%S}", alert.follow_up_at
    else:
        msg_type, identifier, sent = "Alert", first, alert.published_at
    references = _reference(first, alert.published_at) if msg_type != "Alert" else None
    category = "Fire" if alert.category.code == "incendie" else FAMILY_CATEGORIES.get(alert.category.family, "Other")
    closed = alert.follow_up == Alert.FollowUp.CLOSED
    description = alert.description
    if alert.follow_up != Alert.FollowUp.NONE:
        description = f"{description}\n{_('Suivi')} : {alert.get_follow_up_display()}"
    return CapMessage(
        identifier=identifier,
        sent=sent,
        msg_type=msg_type,
        references=references,
        category=category,
        event=alert.category.display_label,
        urgency="Past" if closed or not alert.category.is_urgent else "Immediate",
        severity="Moderate" if alert.category.is_urgent else "Minor",
        certainty="Observed",
        response="AllClear" if closed else "Monitor",
        headline=_("{category} à {commune}").format(category=alert.category.display_label, commune=alert.commune.name),
        description=description,
        area_description=_("Maille de {grid} m, {commune}").format(
            grid=settings.MAPS_RESIDENT_GRID_M, commune=alert.commune.name
        ),
        area=_cell(alert),
    )


def commune_public_alerts(commune: Commune) -> QuerySet[Alert]:
    """Alerts of the commune's public categories that were published (withdrawn ones included, for
    their Cancel), at their grid cell's centre only."""
    alerts = Alert.objects.filter(commune=commune, category__is_public=True, published_at__isnull=False)
    return with_generalised_location(alerts.select_related("category", "commune")).order_by("-published_at")


def commune_messages(commune: Commune) -> list[CapMessage]:
    broadcasts = Broadcast.objects.filter(commune=commune).prefetch_related("neighbourhoods", "revisions")
    broadcasts = broadcasts[:FEED_SIZE]
    messages = [broadcast_message(broadcast, commune) for broadcast in broadcasts]
    messages += [alert_message(alert) for alert in commune_public_alerts(commune)[:FEED_SIZE]]
    return sorted(messages, key=lambda message: message.sent, reverse=True)[:FEED_SIZE]


def _cap_polygons(area: MultiPolygon) -> list[str]:
    """CAP polygons: "lat,lon" pairs separated by spaces, the first pair repeated last."""
    return [" ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in polygon.exterior_ring.coords) for polygon in area]


def cap_alert(message: CapMessage, *, language: str, web: str) -> ElementTree.Element:
    alert = ElementTree.Element(f"{{{CAP_NS}}}alert")

    def add(parent, name, text):
        element = ElementTree.SubElement(parent, f"{{{CAP_NS}}}{name}")
        element.text = text
        return element

    for name, text in (
        ("identifier", message.identifier),
        ("sender", _sender()),
        ("sent", _cap_time(message.sent)),
        ("status", "Actual"),
        ("msgType", message.msg_type),
        ("scope", "Public"),
    ):
        add(alert, name, text)
    if message.references:
        add(alert, "references", message.references)
    info = ElementTree.SubElement(alert, f"{{{CAP_NS}}}info")
    for name, text in (
        ("language", language),
        ("category", message.category),
        ("event", message.event),
        ("responseType", message.response),
        ("urgency", message.urgency),
        ("severity", message.severity),
        ("certainty", message.certainty),
        ("senderName", "Vigie"),
        ("headline", message.headline),
        ("description", message.description),
        ("web", web),
    ):
        add(info, name, text)
    area = ElementTree.SubElement(info, f"{{{CAP_NS}}}area")
    add(area, "areaDesc", message.area_description)
    for polygon in _cap_polygons(message.area):
        add(area, "polygon", polygon)
    return alert


def atom_feed(commune: Commune, messages: list[CapMessage], *, feed_url: str, web: str, language: str) -> bytes:
    ElementTree.register_namespace("", ATOM_NS)
    ElementTree.register_namespace("cap", CAP_NS)
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")

    def add(parent, name, text=None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
        element.text = text
        return element

    updated = _cap_time(messages[0].sent) if messages else _cap_time(timezone.now())
    add(feed, "id", feed_url)
    add(feed, "title", _("Vigie : messages et alertes publiques de {commune}").format(commune=commune.name))
    add(feed, "updated", updated)
    add(add(feed, "author"), "name", _("Mairie de {commune}").format(commune=commune.name))
    add(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    for message in messages:
        entry = add(feed, "entry")
        add(entry, "id", f"urn:{_sender()}:{message.identifier}")
        add(entry, "title", message.headline)
        add(entry, "updated", _cap_time(message.sent))
        add(entry, "summary", message.description[:500])
        content = add(entry, "content", type=CAP_MEDIA_TYPE)
        content.append(cap_alert(message, language=language, web=web))
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
