"""Posting an alert: the emergency reminder, the checks a resident's input must pass, the hourly
limit, and the write. The web form and the API both go through `alert_post`."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Residence, User
from accounts.selectors import charter_accepted, verified_residence
from alerts.models import Alert, AlertCategory
from alerts.models.core import UNQUALIFIED_CATEGORY, Direction, Source, VehicleColour, VehicleType
from geo.generalisation import GridCellCentre
from geo.points import InvalidCoordinates, great_circle_m, parse_lon_lat, parse_number
from zones.models import Commune
from zones.selectors import commune_ids_covering

EMERGENCY_NOTICE = gettext_lazy(
    "Vigie ne remplace pas les secours. En cas d'urgence, appelez le 17 (police ou gendarmerie), "
    "le 18 (pompiers), le 15 (SAMU) ou le 112, ou envoyez un SMS au 114 si vous êtes sourd ou malentendant. "
    "Vigie informe et prévient : ne suivez personne, n'intervenez pas, ne nommez et n'accusez personne."
)

# The error on the unticked box says what to do; the reminder itself stays on the page (and in the
# API's `emergency_notice`), so repeating it as the error would tell the person nothing new.
ACKNOWLEDGEMENT_MISSING = gettext_lazy("Cochez la case pour confirmer que vous avez lu ce rappel.")

# A typed pair this far from the author's home whose swapped pair is this close to it was typed the
# wrong way round: the rule holds in La Réunion or Guyane as in Provence.
_SWAPPED_NEAR_HOME_M = 50_000
# A phone clock a little ahead of the server is not "the future".
_CLOCK_SKEW = timedelta(minutes=5)


class PostingNotAllowed(Exception):
    """The person is not a verified resident who accepted the current charter."""


@dataclass(frozen=True)
class PostingEligibility:
    """The author's verified home, read once per post, or why this person may not post."""

    residence: Residence | None
    refusal: str | None


def posting_eligibility(user: User) -> PostingEligibility:
    """Whether this person may post, with the home every field of the post is checked against, or
    why not in words they can act on."""
    residence = verified_residence(user)
    if residence is None:
        return PostingEligibility(
            None, _("Seuls les habitants dont le domicile est vérifié peuvent publier une alerte.")
        )
    if not charter_accepted(user):
        return PostingEligibility(None, _("Acceptez la charte en vigueur avant de publier une alerte."))
    return PostingEligibility(residence, None)


class PostingInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class PostingRateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass
class PostingInput:
    lon: object
    lat: object
    occurred_at: datetime | None
    category: str
    description: str
    emergency_notice_acknowledged: bool
    # The structured parts of the form, all optional (describe behaviour, not appearance).
    behaviour: str = ""
    vehicle_type: str = ""
    vehicle_colour: str = ""
    direction: str = ""

    # Set by a phone that kept the alert while it had no network: when it was written, and the key
    # that makes a resend of the same alert find it rather than post it twice.
    composed_at: datetime | None = None
    client_key: uuid.UUID | None = None


def _swapped_message(lon, lat, home: Point) -> str | None:
    """A message when lon/lat look swapped: the pair is far from the author's home, the swapped
    pair near it."""
    x, y = parse_number(lon), parse_number(lat)
    if x is None or y is None or abs(x) > 90 or abs(y) > 180:
        return None
    far = great_circle_m(home.x, home.y, x, y) > _SWAPPED_NEAR_HOME_M
    if not far or great_circle_m(home.x, home.y, y, x) > _SWAPPED_NEAR_HOME_M:
        return None
    return _(
        "Les coordonnées semblent inversées : lon={lon} et lat={lat} tombent loin de votre domicile, "
        "alors que lon={lat} et lat={lon} en sont proches. La longitude (lon) vient en premier."
    ).format(lon=lon, lat=lat)


def _home_distance_m(home: Point, point: Point) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_GeomFromEWKT(%s)::geography, ST_GeomFromEWKT(%s)::geography)",
            [home.ewkt, point.ewkt],
        )
        return cursor.fetchone()[0]


def _commune_for(*, residence: Residence, point: Point) -> Commune:
    """Where the alert belongs: the author's commune if it covers the point (so a point on its border
    stays there), else a commune that has joined Vigie covering the point, if it lies near the author's
    home. A commune that has not joined has no moderator: an alert there would wait for ever."""
    covering = commune_ids_covering(point)
    if residence.commune_id in covering:
        return residence.commune
    distance_m = settings.ALERTS_HOME_DISTANCE_M
    if _home_distance_m(residence.home, point) > distance_m:
        raise InvalidCoordinates(
            "location",
            _(
                "Ce lieu est en dehors de {commune}, où votre domicile est vérifié, et à plus de {distance} m "
                "de votre domicile."
            ).format(commune=residence.commune.name, distance=distance_m),
        )
    commune = Commune.objects.filter(id__in=covering, adopted_on__isnull=False).order_by("code").first()
    if commune is None:
        raise InvalidCoordinates(
            "location",
            _(
                "Ce lieu n'est dans aucune commune qui a rejoint Vigie : personne ne pourrait y modérer votre "
                "alerte. En cas d'urgence, appelez le 17 ou le 112."
            ),
        )
    return commune


def _location_errors(data: PostingInput, residence: Residence) -> tuple[dict, Point | None, Commune | None]:
    swapped = _swapped_message(data.lon, data.lat, residence.home)
    if swapped:
        return {"lon": [swapped], "lat": [swapped]}, None, None
    try:
        point = parse_lon_lat(data.lon, data.lat)
        return {}, point, _commune_for(residence=residence, point=point)
    except InvalidCoordinates as error:
        return {field: [message] for field, message in error.errors.items()}, None, None


def _occurred_at_errors(occurred_at: datetime | None) -> list[str]:
    now = timezone.now()
    if occurred_at is None:
        return [_("Indiquez quand cela s'est passé.")]
    if occurred_at > now + _CLOCK_SKEW:
        return [_("La date est dans le futur : indiquez quand cela s'est passé.")]
    if occurred_at < now - timedelta(days=settings.ALERTS_MAX_AGE_DAYS):
        return [
            _("Ce fait date de plus de {days} jours : il ne peut plus faire l'objet d'une alerte.").format(
                days=settings.ALERTS_MAX_AGE_DAYS
            )
        ]
    return []


def _composed_at_errors(composed_at: datetime | None) -> list[str]:
    if composed_at is None:
        return []
    now = timezone.now()
    if composed_at > now + _CLOCK_SKEW:
        return [_("L'heure de rédaction est dans le futur : vérifiez l'heure du téléphone.")]
    if composed_at < now - timedelta(hours=settings.ALERTS_COMPOSED_MAX_AGE_H):
        return [
            _(
                "Cette alerte a été rédigée il y a plus de {hours} heures sans être envoyée : rédigez-la à nouveau."
            ).format(hours=settings.ALERTS_COMPOSED_MAX_AGE_H)
        ]
    return []


def description_errors(description: str) -> list[str]:
    low, high = settings.ALERTS_DESCRIPTION_MIN, settings.ALERTS_DESCRIPTION_MAX
    if not description:
        return [_("Décrivez ce que vous avez vu.")]
    if len(description) < low:
        return [_("La description est trop courte : au moins {n} caractères.").format(n=low)]
    if len(description) > high:
        return [
            _("La description est trop longue : {n} caractères au plus (reçu : {got}).").format(
                n=high, got=len(description)
            )
        ]
    return []


BEHAVIOUR_MAX = 2000


def _structured_errors(data: PostingInput) -> tuple[dict, dict]:
    """The optional parts of the structured form: a known choice or nothing, a behaviour not too long."""
    errors, cleaned = {}, {}
    for field, choices in (
        ("vehicle_type", VehicleType),
        ("vehicle_colour", VehicleColour),
        ("direction", Direction),
    ):
        value = (getattr(data, field) or "").strip()
        if value and value not in choices.values:
            errors[field] = [_("Choix inconnu : « {value} ».").format(value=value)]
        cleaned[field] = value
    behaviour = (data.behaviour or "").strip()
    if len(behaviour) > BEHAVIOUR_MAX:
        errors["behaviour"] = [
            _("Ce passage est trop long : {n} caractères au plus (reçu : {got}).").format(
                n=BEHAVIOUR_MAX, got=len(behaviour)
            )
        ]
    cleaned["behaviour"] = behaviour
    return errors, cleaned


def posting_validate(*, residence: Residence, data: PostingInput) -> tuple[dict, dict]:
    """Check every field against the author's verified home; return (errors by field, cleaned values)."""
    errors: dict[str, list[str]] = {}
    if data.emergency_notice_acknowledged is not True:
        errors["emergency_notice_acknowledged"] = [str(ACKNOWLEDGEMENT_MISSING)]
    location_errors, point, commune = _location_errors(data, residence)
    errors.update(location_errors)
    category = AlertCategory.objects.filter(code=data.category, is_active=True).first()
    if not data.category:
        errors["category"] = [_("Choisissez une catégorie.")]
    elif category is None:
        errors["category"] = [_("Catégorie inconnue : « {code} ».").format(code=data.category)]
    description = (data.description or "").strip()
    for field, messages in (
        ("occurred_at", _occurred_at_errors(data.occurred_at)),
        ("description", description_errors(description)),
        ("composed_at", _composed_at_errors(data.composed_at)),
    ):
        if messages:
            errors[field] = messages
    structured_errors, structured = _structured_errors(data)
    errors.update(structured_errors)
    cleaned = {"location": point, "commune": commune, "category": category, "description": description}
    return errors, cleaned | structured


def posting_retry_after(*, author: User, now: datetime | None = None) -> int | None:
    """Seconds until the resident may post again, or None if under the hourly limit."""
    now = now or timezone.now()
    window = Alert.objects.filter(author=author, created_at__gt=now - timedelta(hours=1)).order_by("-created_at")
    recent = list(window.values_list("created_at", flat=True)[: settings.ALERTS_MAX_POSTS_PER_HOUR])
    if len(recent) < settings.ALERTS_MAX_POSTS_PER_HOUR:
        return None
    # The oldest of the last N posts leaves the window first.
    return max(1, math.ceil((recent[-1] + timedelta(hours=1) - now).total_seconds()))


class PostingReplayed(Exception):
    """The phone sent again an alert it had already sent (its key is known): nothing is created."""

    def __init__(self, alert: Alert):
        super().__init__(alert.pk)
        self.alert = alert


@transaction.atomic
def alert_post(*, author: User, residence: Residence, data: PostingInput) -> Alert:
    """Create a pending alert, for moderation, checked against `residence`, the author's verified
    home as `posting_eligibility` read it. Refuses bad input field by field, and past the hourly
    limit; raises `PostingReplayed` with the existing alert when its `client_key` was already used."""
    if residence.user_id != author.pk or residence.status != Residence.Status.VERIFIED:
        raise PostingNotAllowed
    # Lock the author's row so two simultaneous posts cannot both slip under the limit, nor two sends
    # of the same key both miss each other (the unique constraint stays the guarantee).
    User.objects.select_for_update().filter(pk=author.pk).first()
    if data.client_key is not None:
        sent = Alert.objects.filter(author=author, client_key=data.client_key).first()
        if sent is not None:
            raise PostingReplayed(sent)
    retry_after = posting_retry_after(author=author)
    if retry_after is not None:
        raise PostingRateLimited(retry_after)
    errors, cleaned = posting_validate(residence=residence, data=data)
    if errors:
        raise PostingInvalid(errors)
    alert = Alert(
        author=author,
        occurred_at=data.occurred_at,
        composed_at=data.composed_at,
        client_key=data.client_key,
        **cleaned,
    )
    alert.full_clean()
    alert.save()
    return alert


def _home_cell(residence: Residence) -> Point:
    """The centre of the grid cell of the resident's home: what an alert sent by SMS is placed at,
    so neither moderators nor the map ever learn the exact home of its author."""
    cell = GridCellCentre("home", "commune__metric_srid", settings.MAPS_RESIDENT_GRID_M)
    return Residence.objects.filter(pk=residence.pk).annotate(cell=cell).values_list("cell", flat=True).get()


@transaction.atomic
def alert_post_from_sms(*, author: User, residence: Residence, text: str, received_at: datetime) -> Alert:
    """Create a pending alert from a text message: the text is the description, the place the cell of
    the author's home, the category "à qualifier" until a moderator chooses. The same checks as the
    form apply: a verified home, the current charter accepted, the hourly limit, the description's
    length (raised as `PostingInvalid`)."""
    if residence.user_id != author.pk or residence.status != Residence.Status.VERIFIED or not charter_accepted(author):
        raise PostingNotAllowed
    User.objects.select_for_update().filter(pk=author.pk).first()
    retry_after = posting_retry_after(author=author)
    if retry_after is not None:
        raise PostingRateLimited(retry_after)
    description = " ".join(text.split())
    errors = description_errors(description)
    if errors:
        raise PostingInvalid({"description": errors})
    alert = Alert(
        author=author,
        commune_id=residence.commune_id,
        category=AlertCategory.objects.get(code=UNQUALIFIED_CATEGORY),
        location=_home_cell(residence),
        occurred_at=received_at,
        description=description,
        source=Source.SMS,
    )
    # The author (locked above), the category and the commune were just read: no need to look them up
    # again. A text message is answered while the provider waits.
    alert.full_clean(exclude=["author", "category", "commune"])
    alert.save()
    return alert
