import pytest
from django.contrib.gis.geos import Point

from alerts.highlighting import highlights_of
from alerts.models import Alert
from alerts.selectors import duplicate_suggestions
from demo.alerts import demo_moderation_queue_fill
from tests.factories import make_commune, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_communes():
    tarascon = make_commune(code="13108", name="Tarascon", bounds=(4.6, 43.78, 4.7, 43.84))
    brax = make_commune(code="31088", name="Brax", bounds=(1.22, 43.60, 1.26, 43.63))
    # Several residents a kilometre or more apart, as in the demo: each alert is posted near its
    # author's home, and the near-duplicate must still be near the alert it repeats.
    for i in range(4):
        make_resident(commune=tarascon, home=Point(4.62 + 0.015 * i, 43.806, srid=4326))
        make_resident(commune=brax, home=Point(1.225 + 0.01 * i, 43.615, srid=4326))
    return tarascon, brax


def test_the_demo_fills_both_queues_with_aids_and_loads_twice_without_change(demo_communes):
    demo_moderation_queue_fill()
    demo_moderation_queue_fill()
    for commune in demo_communes:
        alerts = Alert.objects.filter(commune=commune, status="pending")
        assert alerts.count() == 5
        assert any(h.kind == "phone" for a in alerts for h in highlights_of(a.description))
        assert any(found for found in duplicate_suggestions([a.pk for a in alerts]).values())


def test_the_demo_says_which_step_is_missing(db):
    make_commune(code="13108", name="Tarascon", bounds=(4.6, 43.78, 4.7, 43.84))
    with pytest.raises(RuntimeError, match="aucun habitant vérifié dans la commune 13108"):
        demo_moderation_queue_fill()
