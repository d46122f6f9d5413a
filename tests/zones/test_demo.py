import pytest

from demo.zones import STEPS
from zones.models import Commune, PoliceService, Zone
from zones.selectors import point_lookup, zone_coverage

pytestmark = pytest.mark.django_db


def test_the_zones_demo_loads_twice_to_the_same_state():
    for step in STEPS:
        step()
    counts = (Commune.objects.count(), Zone.objects.count(), PoliceService.objects.count())
    for step in STEPS:
        step()

    assert (Commune.objects.count(), Zone.objects.count(), PoliceService.objects.count()) == counts
    for commune in Commune.objects.all():
        neighbourhoods = Zone.objects.filter(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD)
        assert 6 <= neighbourhoods.count() <= 20
        assert sum(n.households for n in neighbourhoods) > 0
        assert zone_coverage(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD).gap_percent < 0.01
        found = point_lookup(commune.town_hall)
        assert found.communes == [commune] and found.neighbourhoods and found.police_sectors
    assert str(Commune.objects.get(code="13108").adopted_on) == "2025-03-01"
    intercommunal = PoliceService.objects.get(kind=PoliceService.Kind.INTERCOMMUNAL)
    assert sorted(intercommunal.communes.values_list("code", flat=True)) == ["13074", "84088"]
