"""Vigie in Open311 GeoReport v2 terms (http://wiki.open311.org/GeoReport_v2): one service per
active alert category, one service request per published alert, and the shapes the
specification gives them, in JSON and in XML.

A request's `lat`/`long` is the centre of its grid cell as on the residents' map (exact only for
a police agent of the commune, `standards.selectors.published_alerts`); `status` is `closed` once
the police closed the follow-up, `open` before; `status_notes` is the public follow-up label;
`agency_responsible` the commune's municipal police service (the town hall where there is none)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree

from django.core import signing
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from alerts.models import Alert, AlertCategory, Family
from alerts.posting import EMERGENCY_NOTICE
from standards.selectors import published_alerts
from zones.models import Commune, PoliceService

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The specification's default and largest span of `start_date`..`end_date`.
DEFAULT_SPAN = timedelta(days=90)
FOLLOW_UP_SIGNING_SALT = "standards.open311.token"
# XML element of each item of a list, by the list's name.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _urgent_notice() -> str:
    return _("Urgence : appelez le 17 (police), le 18 (pompiers) ou le 112 ; ce service ne les remplace pas.")


def service_list(categories: QuerySet[AlertCategory]) -> list[dict]:
    families = dict(Family.choices)
    services = []
    for category in categories:
        description = category.display_label
        if category.is_urgent:
            description = f"{description}. {_urgent_notice()}"
        services.append(
            {
                "service_code": category.code,
                "service_name": category.display_label,
                "description": description,
                "metadata": True,
                "type": "batch",  # moderated before publication: a token first, then the request id
                "keywords": category.family,
                "group": str(families.get(category.family, category.family)),
            }
        )
    return services


def service_definition(category: AlertCategory) -> dict:
    """The attributes a request of this service must carry: the emergency reminder acknowledged,
    as on every posting form, and when it happened."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "emergency_notice_acknowledged",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _("Envoyer « true » une fois le rappel lu et montré à la personne."),
                "order": 1,
                "description": str(EMERGENCY_NOTICE),
                "values": [{"key": "true", "name": _("J'ai lu ce rappel")}],
            },
            {
                "variable": True,
                "code": "occurred_at",
                "datatype": "datetime",
                "required": True,
                "datatype_description": _("Date et heure ISO 8601, par exemple 2026-11-29T21:30:00+01:00."),
                "order": 2,
                "description": _("Quand cela s'est passé."),
            },
        ],
    }


def discovery(*, base_url: str) -> dict:
    return {
        "changeset": "2026-11-29T00:00:00Z",
        "contact": _("La mairie de votre commune, ou l'équipe de Vigie."),
        "key_service": _("Clés délivrées par l'administrateur de Vigie (manage.py open311_api_key EMAIL)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": "2026-11-29T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def request_rows(user: User) -> QuerySet[Alert]:
    """Published alerts with what a service request shows, in one query (no row per alert)."""
    agency = PoliceService.objects.filter(communes=OuterRef("commune_id")).order_by("id").values("name")[:1]
    return published_alerts(user).annotate(
        agency=Subquery(agency), updated_at=Greatest("published_at", "follow_up_at", "created_at")
    )


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_request(alert: Alert) -> dict:
    closed = alert.follow_up == Alert.FollowUp.CLOSED
    return {
        "service_request_id": alert.id,
        "status": "closed" if closed else "open",
        "status_notes": alert.get_follow_up_display() if alert.follow_up != Alert.FollowUp.NONE else "",
        "service_name": alert.category.display_label,
        "service_code": alert.category.code,
        "description": alert.description,
        "agency_responsible": alert.agency or _("Mairie de {commune}").format(commune=alert.commune.name),
        "service_notice": _urgent_notice() if alert.category.is_urgent else "",
        "requested_datetime": _iso(alert.created_at),
        "updated_datetime": _iso(alert.updated_at),
        "expected_datetime": None,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "jurisdiction_id": alert.commune.code,
        "lat": alert.shown_location.y,
        "long": alert.shown_location.x,
        "media_url": "",
    }


@dataclass(frozen=True)
class RequestFilters:
    ids: list[int] | None
    service_codes: list[str]
    statuses: list[str]
    start: datetime | None
    end: datetime | None
    jurisdiction: str | None


def requests_filtered(rows: QuerySet[Alert], filters: RequestFilters) -> QuerySet[Alert]:
    """The specification's filters: ids override every other; otherwise the dates (the last 90 days
    by default), codes, statuses and jurisdiction."""
    if filters.ids is not None:
        return rows.filter(id__in=filters.ids)
    end = filters.end or timezone.now()
    start = filters.start or end - DEFAULT_SPAN
    rows = rows.filter(created_at__gte=start, created_at__lte=end)
    if filters.jurisdiction:
        # By id, so the (commune, status, created_at) index gives the rows in order.
        rows = rows.filter(commune_id=Commune.objects.filter(code=filters.jurisdiction).values("id")[:1])
    if filters.service_codes:
        rows = rows.filter(category__code__in=filters.service_codes)
    if set(filters.statuses) == {"closed"}:
        rows = rows.filter(follow_up=Alert.FollowUp.CLOSED)
    elif set(filters.statuses) == {"open"}:
        rows = rows.exclude(follow_up=Alert.FollowUp.CLOSED)
    return rows.order_by("-created_at", "-id")


def request_token(alert: Alert) -> str:
    """A token for a posted alert that names it without showing its id, to follow it until a
    moderator published it (`GET tokens/{token}.json`)."""
    return signing.dumps(alert.pk, salt=FOLLOW_UP_SIGNING_SALT)


def alert_of_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=FOLLOW_UP_SIGNING_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def to_xml(data, *, root: str) -> bytes:
    """The specification's XML: a list becomes `<root><item>…</item></root>` with the item named
    after the list (XML_ITEMS), a dict one element per key, None an empty element."""
    element = ElementTree.Element(root)
    _fill(element, data)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def _fill(element: ElementTree.Element, data) -> None:
    if isinstance(data, list):
        for item in data:
            _fill(ElementTree.SubElement(element, XML_ITEMS.get(element.tag, "item")), item)
    elif isinstance(data, dict):
        for key, value in data.items():
            _fill(ElementTree.SubElement(element, key), value)
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    elif data is not None:
        element.text = str(data)
