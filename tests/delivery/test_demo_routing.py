import pytest
from django.contrib.gis.geos import Point

from delivery.models import Delivery
from demo.routing import demo_alert_publish
from tests.delivery.conftest import resident_at
from tests.factories import make_alert

pytestmark = pytest.mark.django_db


def test_demo_step_publishes_one_pending_tarascon_alert_once(town):
    town.commune.code = "13108"
    town.commune.save()
    resident = resident_at(town, 5.005)
    pending = make_alert(commune=town.commune, location=Point(5.004, 43.01, srid=4326), category="tag")
    demo_alert_publish()
    demo_alert_publish()
    pending.refresh_from_db()
    assert pending.status == "published"
    assert list(Delivery.objects.values_list("recipient_id", "alert_id")) == [(resident.id, pending.id)]
