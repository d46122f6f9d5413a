import pytest
from django.core.exceptions import ValidationError

from zones.models import Commune, Zone
from zones.selectors import routes_of_points, zone_coverage
from zones.services import neighbourhoods_generate, zone_create

pytestmark = pytest.mark.django_db


def test_hexagons_tile_the_commune_without_gap_or_overlap(seed_communes):
    tarascon = Commune.objects.get(code="13108")

    versions = neighbourhoods_generate(commune=tarascon, hex_size_m=2000, estimate_population=True)

    zones = Zone.objects.filter(id__in=versions.zone_ids)
    zone_ids = versions.zone_ids
    assert versions.created == len(zone_ids)
    assert 6 <= len(zone_ids) <= 40
    assert {z.origin for z in zones} == {Zone.Origin.GENERATED}
    assert "Quartier 1" in {z.name for z in zones}
    coverage = zone_coverage(commune=tarascon, kind=Zone.Kind.NEIGHBOURHOOD)
    assert coverage.gap_percent < 0.001 and coverage.overlaps == []
    assert sum(z.population for z in zones) == pytest.approx(tarascon.population, abs=len(zone_ids))
    hall = tarascon.town_hall
    assert len(routes_of_points([hall.x], [hall.y])[0].neighbourhood_ids) >= 1


def test_generation_replaces_generated_neighbourhoods_only_when_asked(seed_communes):
    brax = Commune.objects.get(code="31088")
    neighbourhoods_generate(commune=brax, hex_size_m=700)

    with pytest.raises(ValidationError, match="--replace"):
        neighbourhoods_generate(commune=brax, hex_size_m=500)
    first = set(Zone.objects.current().filter(commune=brax).values_list("id", flat=True))
    replaced = neighbourhoods_generate(commune=brax, hex_size_m=500, replace=True)

    current = set(Zone.objects.current().filter(commune=brax).values_list("id", flat=True))
    assert current and current.isdisjoint(first) and current <= set(replaced.zone_ids)
    # The 700 m hexagons are retired, not deleted.
    assert set(Zone.objects.filter(commune=brax, valid_until__isnull=False).values_list("id", flat=True)) == first


def test_drawn_neighbourhoods_are_never_replaced_by_hexagons(seed_communes):
    brax = Commune.objects.get(code="31088")
    zone_create(commune=brax, kind=Zone.Kind.NEIGHBOURHOOD, name="Centre", boundary=brax.boundary)

    with pytest.raises(ValidationError, match="importés ou dessinés"):
        neighbourhoods_generate(commune=brax, hex_size_m=500, replace=True)
    assert list(Zone.objects.values_list("name", flat=True)) == ["Centre"]
