"""Near-repeat prevention: homes within 200 m of a burglary get one notice per fortnight."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point

from delivery.models import Delivery, NotificationPreference
from tests.delivery.conftest import resident_at
from tests.factories import make_alert

pytestmark = pytest.mark.django_db

# At 43.01 N, one degree of longitude is about 81.4 km: 0.0012 degree is about 98 m.
ORIGIN = (5.004, 43.01)


def east_of_origin(metres: float) -> float:
    return ORIGIN[0] + metres / 81_400


def notices(**filters):
    return Delivery.objects.filter(kind=Delivery.Kind.NEAR_REPEAT, **filters)


def burglary_at(town, published, lon, **kwargs):
    return published(make_alert(commune=town.commune, location=Point(lon, ORIGIN[1], srid=4326), **kwargs))


def test_one_notice_however_many_burglaries_nearby(town, published):
    near = resident_at(town, east_of_origin(120))
    far = resident_at(town, east_of_origin(260))
    burglary_at(town, published, ORIGIN[0])
    burglary_at(town, published, east_of_origin(20), category="tentative-cambriolage")
    burglary_at(town, published, east_of_origin(40))

    assert list(notices().values_list("recipient_id", flat=True)) == [near.id]
    assert not notices(recipient=far).exists()


def test_a_new_notice_after_the_window(town, published, settings):
    near = resident_at(town, east_of_origin(100))
    first = burglary_at(town, published, ORIGIN[0])
    notices(alert=first).update(
        created_at=first.published_at - timedelta(days=settings.ALERTS_NEAR_REPEAT_DAYS, hours=1)
    )
    second = burglary_at(town, published, ORIGIN[0])
    assert list(notices(recipient=near).values_list("alert_id", flat=True).order_by("id")) == [first.id, second.id]


def test_other_families_author_and_opt_out_get_no_notice(town, published):
    author = resident_at(town, east_of_origin(50))
    declined = resident_at(town, east_of_origin(60))
    NotificationPreference.objects.create(user=declined, prevention_notices=False)
    burglary_at(town, published, ORIGIN[0], category="tag")
    assert not notices().exists()
    burglary_at(town, published, ORIGIN[0], author=author)
    assert not notices().exists()


def test_distance_is_configurable(town, published, settings):
    settings.ALERTS_NEAR_REPEAT_DISTANCE_M = 80
    near, beyond = resident_at(town, east_of_origin(70)), resident_at(town, east_of_origin(100))
    burglary_at(town, published, ORIGIN[0])
    assert list(notices().values_list("recipient_id", flat=True)) == [near.id]
    assert not notices(recipient=beyond).exists()
