"""The resident's own alert area (#21): up to a few places followed beside the home neighbourhood
(a parent's street, a workplace), and "près de moi" around the phone's position for a few hours.

A followed place is a circle of 200 m to 1 km whose centre lies in a commune that uses Vigie (any
of them: a parent may live in the next town). It is stored as its centre, its radius and the circle
as a polygon (GiST-indexed); routing asks the polygon whether it covers
the alert's public location (the centre of its grid cell, never the exact point), so a follower is
told exactly what the residents of that place are told, and never where the alert happened more
precisely than they are.

"Près de moi" is one row per person with an expiry: routing ignores it once expired and
`near_me_expire` (Celery beat) deletes it, so the phone's position is not kept beyond that time."""

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.models import User
from accounts.selectors import verified_residence, verified_residents_sql
from delivery.models import FollowedPlace
from zones.models import Commune

# The circle is a polygon of 64 sides (16 per quarter) drawn around the circle rather than inside
# it: its vertices lie at r / cos(pi / 64), so every point within r of the centre is covered.
_QUARTER_SEGMENTS = 16
_CIRCUMSCRIBED = 1 / math.cos(math.pi / (4 * _QUARTER_SEGMENTS))


def followed_places_max(commune: Commune) -> int:
    limit = commune.followed_places_max
    return settings.DELIVERY_FOLLOWED_PLACES_MAX if limit is None else limit


def near_me_max_hours(commune: Commune) -> int:
    return commune.near_me_max_hours or settings.DELIVERY_NEAR_ME_MAX_HOURS


def followed_places_of(user: User) -> QuerySet[FollowedPlace]:
    """The person's followed places and their "près de moi" while it lasts."""
    return FollowedPlace.objects.filter(user_id=user.pk).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )


def circle_polygon(*, centre: Point, radius_m: int) -> Polygon:
    """The circle of `radius_m` metres around `centre`, in EPSG:4326. Drawn in the azimuthal
    equidistant projection centred on it, where distances from the centre are true on the WGS 84
    ellipsoid: a commune's Lambert-93 is off by up to 0.1 %, a metre at the edge of a 1 km circle."""
    local = SpatialReference(f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m +no_defs")
    polygon = Point(0, 0, srid=None).buffer(radius_m * _CIRCUMSCRIBED, quadsegs=_QUARTER_SEGMENTS)
    polygon.transform(CoordTransform(local, SpatialReference(4326)))
    polygon.srid = 4326
    return polygon


def _follower_commune(user: User) -> Commune:
    """The commune of the person's verified home, whose limits apply; only verified residents follow."""
    residence = verified_residence(user)
    if residence is None:
        raise PermissionDenied(_("Seuls les habitants dont le domicile est vérifié peuvent suivre un lieu."))
    return residence.commune


def _commune_using_vigie(centre: Point) -> Commune:
    commune = Commune.objects.covering(centre).filter(adopted_on__isnull=False).order_by("id").first()
    if commune is None:
        raise ValidationError(
            {"centre": _("Ce lieu n'est dans aucune commune qui utilise Vigie : aucune alerte n'y serait diffusée.")}
        )
    return commune


def _radius_checked(radius_m: int) -> int:
    if not FollowedPlace.RADIUS_MIN_M <= radius_m <= FollowedPlace.RADIUS_MAX_M:
        raise ValidationError({"radius_m": _("Le rayon va de 200 m à 1 km.")})
    return radius_m


def _place_fill(place: FollowedPlace, *, centre: Point, radius_m: int) -> FollowedPlace:
    commune = _commune_using_vigie(centre)
    place.commune, place.centre, place.radius_m = commune, centre, _radius_checked(radius_m)
    place.area = circle_polygon(centre=centre, radius_m=radius_m)
    place.full_clean()
    place.save()
    return place


def _user_locked(user: User) -> None:
    # Two additions sent at once must not both see "one place left".
    User.objects.select_for_update().filter(pk=user.pk).exists()


@transaction.atomic
def followed_place_create(*, user: User, label: str, centre: Point, radius_m: int) -> FollowedPlace:
    home_commune = _follower_commune(user)
    _user_locked(user)
    limit = followed_places_max(home_commune)
    if FollowedPlace.objects.filter(user_id=user.pk, kind=FollowedPlace.Kind.PLACE).count() >= limit:
        raise ValidationError(
            _("Vous suivez déjà %(limit)s lieux, le maximum dans votre commune : retirez-en un d'abord.")
            % {"limit": limit}
        )
    place = FollowedPlace(user=user, kind=FollowedPlace.Kind.PLACE, label=label.strip())
    return _place_fill(place, centre=centre, radius_m=radius_m)


@transaction.atomic
def followed_place_update(*, user: User, place_id: int, label: str, centre: Point, radius_m: int) -> FollowedPlace:
    _follower_commune(user)
    place = FollowedPlace.objects.select_for_update().get(id=place_id, user_id=user.pk, kind=FollowedPlace.Kind.PLACE)
    place.label = label.strip()
    return _place_fill(place, centre=centre, radius_m=radius_m)


def followed_place_delete(*, user: User, place_id: int) -> None:
    deleted, _rows = FollowedPlace.objects.filter(id=place_id, user_id=user.pk, kind=FollowedPlace.Kind.PLACE).delete()
    if not deleted:
        raise FollowedPlace.DoesNotExist


@transaction.atomic
def near_me_start(*, user: User, centre: Point, radius_m: int, hours: int) -> FollowedPlace:
    """Follow the phone's position for `hours`, replacing a previous "près de moi"."""
    home_commune = _follower_commune(user)
    _user_locked(user)
    longest = near_me_max_hours(home_commune)
    if not 1 <= hours <= longest:
        raise ValidationError({"hours": _("La durée va de 1 à %(hours)s heures.") % {"hours": longest}})
    FollowedPlace.objects.filter(user_id=user.pk, kind=FollowedPlace.Kind.NEAR_ME).delete()
    place = FollowedPlace(
        user=user, kind=FollowedPlace.Kind.NEAR_ME, expires_at=timezone.now() + timedelta(hours=hours)
    )
    return _place_fill(place, centre=centre, radius_m=radius_m)


def near_me_stop(*, user: User) -> None:
    FollowedPlace.objects.filter(user_id=user.pk, kind=FollowedPlace.Kind.NEAR_ME).delete()


def near_me_expire() -> int:
    """Delete every expired "près de moi" (the position goes with it); returns how many."""
    deleted, _rows = FollowedPlace.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def followers_sql(*, public_location: Point, excluding_user_id: int | None) -> tuple[sql.Composed, dict]:
    """Verified residents with a followed place or a current "près de moi" covering the alert's
    public location, for routing's single INSERT ... SELECT (yields `user_id`)."""
    residents, params = verified_residents_sql(excluding_user_id=excluding_user_id)
    query = sql.SQL(
        "SELECT f.user_id FROM delivery_followedplace f "
        "WHERE f.area && %(follow_point)s::geometry AND ST_Covers(f.area, %(follow_point)s::geometry) "
        "AND (f.expires_at IS NULL OR f.expires_at > statement_timestamp()) AND f.user_id IN ({residents})"
    ).format(residents=residents)
    return query, {**params, "follow_point": public_location.hexewkb.decode()}
