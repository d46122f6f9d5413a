"""The resident's own alert area: followed places and "près de moi" in routing's single fan-out.

Testville (tests/delivery/conftest.py) runs from lon 5.00 to 5.02, Nord west of 5.01 and Sud east
of it; an alert at lon 5.002 reaches Nord only (Sud is ~650 m away, beyond the 300 m radius). The
circles are drawn around the alert's public location (the centre of its 250 m grid cell)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Residence
from alerts.models import AlertCategory
from config.celery import app as celery_app
from delivery.following import (
    followed_place_create,
    followed_place_delete,
    followed_place_update,
    followed_places_of,
    near_me_expire,
    near_me_start,
    near_me_stop,
)
from delivery.messages import message_of
from delivery.models import Delivery, FollowedPlace, NotificationPreference
from delivery.routing import alert_public_location
from tests.delivery.conftest import build_town, home, publish, resident_at
from tests.delivery.processes import wait_for
from tests.factories import make_alert

pytestmark = pytest.mark.django_db

ALERT_LON = 5.002


@pytest.fixture
def joined_town(town):
    town.commune.adopted_on = timezone.now().date()
    town.commune.save()
    return town


def alert_in_nord(town, published, **kwargs):
    return published(make_alert(commune=town.commune, location=home(ALERT_LON), category="degradation", **kwargs))


def public_point(town) -> Point:
    """The public location an alert at ALERT_LON will have, from an unpublished twin."""
    return alert_public_location(make_alert(commune=town.commune, location=home(ALERT_LON), category="degradation"))


def offset(point: Point, metres_east: float) -> Point:
    """The point `metres_east` due east of `point`, measured on the ellipsoid."""
    local = SpatialReference(f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +datum=WGS84 +units=m +no_defs")
    moved = Point(metres_east, 0, srid=None)
    moved.transform(CoordTransform(local, SpatialReference(4326)))
    return Point(moved.x, moved.y, srid=4326)


def deliveries_of(alert) -> list[int]:
    return list(Delivery.objects.filter(alert=alert, kind=Delivery.Kind.ALERT).values_list("recipient_id", flat=True))


def test_a_follower_of_a_circle_covering_the_alert_receives_it(joined_town, published):
    follower = resident_at(joined_town, 5.019)  # home in Sud, not routed
    bystander = resident_at(joined_town, 5.018)
    followed_place_create(
        user=follower, label="rue de ma mère", centre=offset(public_point(joined_town), 150), radius_m=300
    )

    alert = alert_in_nord(joined_town, published)

    assert follower.id in deliveries_of(alert)
    assert bystander.id not in deliveries_of(alert)


def test_a_follower_whose_home_is_also_routed_receives_the_alert_once(joined_town, published):
    follower = resident_at(joined_town, 5.003)  # home in Nord, routed too
    followed_place_create(user=follower, label="travail", centre=public_point(joined_town), radius_m=200)
    near_me_start(user=follower, centre=public_point(joined_town), radius_m=500, hours=3)

    alert = alert_in_nord(joined_town, published)

    assert deliveries_of(alert).count(follower.id) == 1


def test_a_follower_whose_circle_misses_the_public_location_receives_nothing(joined_town, published):
    follower = resident_at(joined_town, 5.019)
    # 210 m away with a 200 m radius: the exact point may be inside, the public location is not.
    followed_place_create(user=follower, label="gare", centre=offset(public_point(joined_town), 210), radius_m=200)

    alert = alert_in_nord(joined_town, published)

    assert follower.id not in deliveries_of(alert)


def test_the_public_location_on_the_circle_s_edge_is_covered(joined_town, published):
    follower = resident_at(joined_town, 5.019)
    followed_place_create(user=follower, label="bord", centre=offset(public_point(joined_town), 199.9), radius_m=200)

    assert follower.id in deliveries_of(alert_in_nord(joined_town, published))


def test_an_expired_near_me_receives_nothing_and_is_deleted(joined_town, published):
    follower = resident_at(joined_town, 5.019)
    near_me_start(user=follower, centre=public_point(joined_town), radius_m=500, hours=1)
    FollowedPlace.objects.filter(user=follower).update(expires_at=timezone.now() - timedelta(seconds=1))

    alert = alert_in_nord(joined_town, published)

    assert follower.id not in deliveries_of(alert)
    assert not followed_places_of(follower).exists()
    assert near_me_expire() == 1
    assert not FollowedPlace.objects.filter(user=follower).exists()


def test_a_current_near_me_receives_the_alert_and_stopping_it_deletes_the_position(joined_town, published):
    follower = resident_at(joined_town, 5.019)
    near_me_start(user=follower, centre=public_point(joined_town), radius_m=500, hours=3)
    assert near_me_expire() == 0

    assert follower.id in deliveries_of(alert_in_nord(joined_town, published))
    near_me_stop(user=follower)
    assert not FollowedPlace.objects.filter(user=follower).exists()


def test_followers_are_residents_like_the_others_muted_categories_author_and_unverified(joined_town, published):
    muted = resident_at(joined_town, 5.019)
    NotificationPreference.objects.create(user=muted).muted_categories.add(
        AlertCategory.objects.get(code="degradation")
    )
    author = resident_at(joined_town, 5.018)
    unverified = resident_at(joined_town, 5.017)
    for person in (muted, author, unverified):
        followed_place_create(user=person, label="ici", centre=public_point(joined_town), radius_m=500)
    Residence.objects.filter(user=unverified).update(status=Residence.Status.PENDING)

    alert = alert_in_nord(joined_town, published, author=author)

    assert not {muted.id, author.id, unverified.id} & set(deliveries_of(alert))


def test_a_follower_is_told_exactly_what_a_resident_is_told(joined_town, published):
    resident = resident_at(joined_town, 5.003)
    follower = resident_at(joined_town, 5.019)
    followed_place_create(user=follower, label="rue de ma mère", centre=public_point(joined_town), radius_m=300)
    alert = alert_in_nord(joined_town, published)

    told = {d.recipient_id: d for d in Delivery.objects.filter(alert=alert)}
    resident_message, follower_message = message_of(told[resident.id]), message_of(told[follower.id])
    assert told[resident.id].kind == told[follower.id].kind == Delivery.Kind.ALERT
    assert {**vars(resident_message), "link": ""} == {**vars(follower_message), "link": ""}
    exact = f"{ALERT_LON}"
    assert exact not in str(vars(follower_message))


def test_limits_are_those_of_the_home_commune(joined_town):
    person = resident_at(joined_town, 5.019)
    centre = home(5.005)
    for label in ("mère", "travail"):
        followed_place_create(user=person, label=label, centre=centre, radius_m=200)
    with pytest.raises(ValidationError, match="maximum"):
        followed_place_create(user=person, label="club", centre=centre, radius_m=200)

    joined_town.commune.followed_places_max = 3
    joined_town.commune.save()
    followed_place_create(user=person, label="club", centre=centre, radius_m=200)
    assert followed_places_of(person).count() == 3


def test_radius_hours_and_place_are_checked_at_the_edge(joined_town):
    person = resident_at(joined_town, 5.019)
    with pytest.raises(ValidationError, match="200 m"):
        followed_place_create(user=person, label="x", centre=home(5.005), radius_m=1001)
    with pytest.raises(ValidationError, match="200 m"):
        followed_place_create(user=person, label="x", centre=home(5.005), radius_m=199)
    with pytest.raises(ValidationError, match="12 heures"):
        near_me_start(user=person, centre=home(5.005), radius_m=500, hours=13)
    with pytest.raises(ValidationError, match="aucune commune"):
        followed_place_create(user=person, label="x", centre=home(6.01, 44.01), radius_m=500)  # Loinville: not joined
    assert not FollowedPlace.objects.filter(user=person).exists()


def test_only_verified_residents_follow_and_only_their_own_places(joined_town):
    pending = resident_at(joined_town, 5.019, status=Residence.Status.PENDING)
    with pytest.raises(PermissionDenied):
        followed_place_create(user=pending, label="x", centre=home(5.005), radius_m=500)
    owner, other = resident_at(joined_town, 5.018), resident_at(joined_town, 5.017)
    place = followed_place_create(user=owner, label="x", centre=home(5.005), radius_m=500)
    with pytest.raises(FollowedPlace.DoesNotExist):
        followed_place_update(user=other, place_id=place.id, label="y", centre=home(5.006), radius_m=500)
    with pytest.raises(FollowedPlace.DoesNotExist):
        followed_place_delete(user=other, place_id=place.id)
    moved = followed_place_update(user=owner, place_id=place.id, label="y", centre=home(5.006), radius_m=800)
    assert (moved.label, moved.radius_m, moved.area.covers(home(5.006))) == ("y", 800, True)


def test_the_expiry_task_is_scheduled_and_deletes_through_a_real_worker(start_worker, sink):
    town = build_town()
    town.commune.adopted_on = timezone.now().date()
    town.commune.save()
    person = resident_at(town, 5.019)
    near_me_start(user=person, centre=home(5.005), radius_m=500, hours=1)
    FollowedPlace.objects.filter(user=person).update(expires_at=timezone.now())
    assert settings.CELERY_BEAT_SCHEDULE["delivery-near-me-expire"]["task"] == "delivery.near_me_expire"

    start_worker(smtp_port=sink.port)
    celery_app.send_task("delivery.near_me_expire")
    wait_for(lambda: not FollowedPlace.objects.filter(user=person).exists(), what="the expired position deleted")


def test_followers_come_in_the_residents_single_insert(joined_town, django_capture_on_commit_callbacks):
    resident = resident_at(joined_town, 5.003)
    followers = [resident_at(joined_town, lon) for lon in (5.015, 5.016, 5.017)]
    for follower in followers:
        followed_place_create(user=follower, label="x", centre=public_point(joined_town), radius_m=500)
    alert = make_alert(commune=joined_town.commune, location=home(ALERT_LON), category="degradation")

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        publish(alert)

    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO alerts_delivery" in q["sql"]]
    assert len(inserts) == 1
    assert sorted(deliveries_of(alert)) == sorted([resident.id, *(f.id for f in followers)])
