"""What a delivery says, the same in the inbox, the email and the SMS.

Residents never see the exact location of an alert nor its author: a message names the category,
the commune and the neighbourhoods the alert was routed to because it lies in them."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Residence
from alerts.models import Alert, RejectionReason
from alerts.models.moderation import AlertTransition
from delivery.models import Broadcast, Delivery, RoutedZone
from zones.models import Zone


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str
    commune: str
    places: list[str]
    urgent: bool
    link: str
    # The local day the alert's event happened (none for a town hall's message): a resident told
    # today of a burglary needs to know whether it was last night or last week.
    occurred_on: date | None = None
    # The page the message is about, when it has one of its own (a solidarity request, a
    # conversation): the email, the SMS and the push lead there; the inbox item offers it.
    page: str = ""

    @property
    def meta(self) -> str:
        """The line under the title, the same in the inbox, the message page and the email: what it
        is, where, and the day it happened. Written here rather than in a template: rendered through
        an include it cost 95 µs a message, a fifth of an inbox page."""
        parts = [capfirst(self.kind), self.commune]
        if self.places:
            parts.append(f"{_('quartier')} {', '.join(self.places)}")
        if self.occurred_on:
            parts.append(_("survenu le %(day)s") % {"day": formats.date_format(self.occurred_on, "DATE_FORMAT")})
        return " · ".join(parts)


# What a higher app's messages say (a solidarity request, an offer of help), registered by that app
# when it is ready: delivery reads their rows through them and never imports the app.
MESSAGE_TEXTS: dict[str, Callable[[Delivery], Message]] = {}


def message_text_register(kind: str, text: Callable[[Delivery], Message]) -> None:
    assert kind in Delivery.NOTICE_KINDS or kind in Delivery.FAN_OUT_NOTICE_KINDS, kind
    MESSAGE_TEXTS[kind] = text


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def delivery_link(delivery: Delivery) -> str:
    prefix, suffix = _message_path_around_id()
    return site_url(f"{prefix}{delivery.id}{suffix}")


@cache
def _message_path_around_id() -> tuple[str, str]:
    """The message page's path before and after the delivery's id, reversed once per process: a
    worker builds a link for every push, and reversing it each time cost more than encrypting the
    push's payload. Reversed against our own routes, which are mounted at the site root: this works
    in a worker whatever the project's URL configuration includes."""
    return message_path_around_id(urlconf="delivery.urls")


def message_path_around_id(*, urlconf: str | None = None) -> tuple[str, str]:
    """The message page's path before and after a delivery's id: one reversal serves a whole page
    of messages (reversing each cost 40 µs)."""
    sentinel = 987654321
    path = reverse("inbox-message", kwargs={"delivery_id": sentinel}, urlconf=urlconf)
    prefix, found, suffix = path.partition(str(sentinel))
    assert found, path
    return prefix, suffix


# The neighbourhoods of a page of alerts, written once as SQL from the models' table names (every value
# a parameter): through the ORM, building the query cost three times what PostgreSQL spent on it, on
# every page of the inbox and every batch of emails.
ALERTS_PLACES_SQL = f"""
    SELECT routed.alert_id, routed.zone_name
      FROM {RoutedZone._meta.db_table} routed
      JOIN {Zone._meta.db_table} zone ON zone.id = routed.zone_id
     WHERE routed.alert_id = ANY(%s) AND routed.reason = %s AND zone.kind = %s
     ORDER BY routed.alert_id, routed.zone_name"""  # noqa: S608


def alerts_places(alert_ids: list[int]) -> dict[int, list[str]]:
    """Names of the neighbourhoods each alert lies in (never its exact point), as they were named when
    it was routed: a later re-import or regeneration never changes a message already sent."""
    places: dict[int, list[str]] = {alert_id: [] for alert_id in alert_ids}
    if not alert_ids:
        return places
    with connection.cursor() as cursor:
        cursor.execute(ALERTS_PLACES_SQL, [list(alert_ids), RoutedZone.Reason.COVERS, Zone.Kind.NEIGHBOURHOOD])
        for alert_id, name in cursor.fetchall():
            places[alert_id].append(name)
    return places


def message_of(
    delivery: Delivery, *, cache: dict | None = None, places: dict[int, list[str]] | None = None
) -> Message:
    """The message of a delivery; `cache` (one per batch) keeps what all recipients of the same
    alert or broadcast share, so a batch reads it once; `places`, the alerts' neighbourhoods when
    they are already read (`messages_of`)."""
    key = (delivery.kind, delivery.alert_id, delivery.broadcast_id, delivery.notice_id, translation.get_language())
    if cache is None or key not in cache:
        shared = _message_shared(delivery, places)
        if cache is None:
            return _linked(shared, delivery)
        cache[key] = shared
    return _linked(cache[key], delivery)


def _linked(shared: Message, delivery: Delivery) -> Message:
    return replace(shared, link=shared.page or delivery_link(delivery))


def _resident_notice(delivery: Delivery) -> Message:
    """A patrol's notice of passage or an absence reminder. Neither says that the home is, or will
    be, empty, nor where it is: a notice read by somebody else tells a burglar nothing."""
    residence = Residence.objects.filter(user_id=delivery.recipient_id).select_related("commune").first()
    commune = residence.commune if residence else None
    zone = ZoneInfo(commune.time_zone) if commune else timezone.get_current_timezone()
    day = timezone.localtime(delivery.created_at, zone).date()
    if delivery.kind == Delivery.Kind.PATROL_VISIT:
        title, body = (
            _("Avis de passage de la police municipale"),
            _(
                "Un agent de la police municipale est passé chez vous le %(day)s. Pour toute question, "
                "contactez la police municipale de votre commune."
            )
            % {"day": formats.date_format(day, "SHORT_DATE_FORMAT")},
        )
    else:
        title, body = (
            _("Pensez à vérifier votre déclaration"),
            _(
                "Vérifiez sur Vigie les dates et les personnes à joindre de votre déclaration à la police "
                "municipale ; vous pouvez encore la modifier ou l'annuler."
            ),
        )
    return Message(
        kind=delivery.get_kind_display(),
        title=title,
        body=body,
        commune=commune.name if commune else "",
        places=[],
        urgent=False,
        link="",
    )


def _author_update(delivery: Delivery) -> Message:
    """What the author of an alert is told of a moderation decision or a follow-up step."""
    transition = AlertTransition.objects.select_related("alert__category", "alert__commune").get(id=delivery.notice_id)
    alert = transition.alert
    what = {"category": alert.category.display_label, "commune": alert.commune.name}
    if transition.to_state == Alert.Status.PUBLISHED:
        title = _("Votre alerte a été publiée")
        body = _(
            "Votre alerte « %(category)s » à %(commune)s a été relue et publiée ; les voisins concernés sont prévenus."
        )
    elif transition.to_state == Alert.Status.REJECTED:
        title = _("Votre alerte n'a pas été publiée")
        body = _("Votre alerte « %(category)s » à %(commune)s n'a pas été publiée. Motif : %(reason)s.")
        what["reason"] = (
            RejectionReason(transition.reason).label if transition.reason in RejectionReason.values else ""
        )
        if transition.note:
            body += " " + transition.note.replace("%", "%%")
    else:
        title = _("Suivi de votre alerte : %(step)s") % {"step": Alert.FollowUp(transition.to_state).label}
        body = _("Votre alerte « %(category)s » à %(commune)s : %(step)s.")
        what["step"] = Alert.FollowUp(transition.to_state).label
        if transition.note:
            body += " " + transition.note.replace("%", "%%")
    return Message(
        kind=_("suivi de votre alerte"),
        title=title,
        body=body % what,
        commune=alert.commune.name,
        places=[],
        urgent=False,
        link="",
    )


def broadcast_message(broadcast: Broadcast, *, link: str = "") -> Message:
    """What a town hall's message says, saved or not yet sent (the preview)."""
    return Message(
        kind=broadcast.get_kind_display(),
        title=_("Message retiré : {title}").format(title=broadcast.title)
        if broadcast.is_withdrawn
        else broadcast.title,
        body=broadcast.body,
        commune=broadcast.commune.name,
        places=[],
        urgent=broadcast.is_urgent,
        link=link,
    )


def inbox_link() -> str:
    """The inbox's address, standing for a delivery's own link where there is no delivery yet."""
    return site_url(reverse("inbox", urlconf="delivery.urls"))


def messages_of(deliveries: list[Delivery]) -> list[Message]:
    """The messages of one person's page of deliveries, the neighbourhoods of all their alerts read
    in one query rather than one per message."""
    places = alerts_places(sorted({delivery.alert_id for delivery in deliveries if delivery.alert_id}))
    cache: dict = {}
    return [message_of(delivery, cache=cache, places=places) for delivery in deliveries]


def _message_shared(delivery: Delivery, places: dict[int, list[str]] | None = None) -> Message:
    link = ""
    if delivery.kind in MESSAGE_TEXTS:
        return MESSAGE_TEXTS[delivery.kind](delivery)
    if delivery.kind == Delivery.Kind.AUTHOR_UPDATE:
        return _author_update(delivery)
    if delivery.kind in Delivery.NOTICE_KINDS:
        return _resident_notice(delivery)
    if delivery.kind == Delivery.Kind.BROADCAST:
        return broadcast_message(delivery.broadcast)
    alert = delivery.alert
    places = (places if places is not None else alerts_places([alert.id]))[alert.id]
    occurred_on = timezone.localtime(alert.occurred_at, ZoneInfo(alert.commune.time_zone)).date()
    if delivery.kind == Delivery.Kind.NEAR_REPEAT:
        return Message(
            kind=_("conseil de prévention"),
            title=_("Cambriolage signalé près de chez vous : quelques précautions"),
            body=_(
                "Un cambriolage a été signalé à moins de %(distance)s m de votre domicile. Le risque reste plus "
                "élevé dans le voisinage pendant environ deux semaines. Fermez portes et fenêtres, même pour une "
                "courte absence ; ne laissez ni clés ni objets de valeur en vue ; signalez votre absence à la "
                "police municipale (Opération Tranquillité Vacances). En cas d'urgence, appelez le 17 ou le 112 "
                "(114 par SMS) ; n'intervenez jamais vous-même."
            )
            % {"distance": settings.ALERTS_NEAR_REPEAT_DISTANCE_M},
            commune=alert.commune.name,
            places=places,
            urgent=False,
            link=link,
            occurred_on=occurred_on,
        )
    return Message(
        kind=_("alerte"),
        title=_("%(category)s à %(commune)s")
        % {"category": alert.category.display_label, "commune": alert.commune.name},
        body=alert.description,
        commune=alert.commune.name,
        places=places,
        urgent=alert.category.is_urgent,
        link=link,
        occurred_on=occurred_on,
    )
