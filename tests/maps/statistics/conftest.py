import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone, translation

from alerts.models import Alert, AlertCategory
from tests.factories import make_commune, make_neighbourhood

ADOPTED = dt.date(2025, 3, 1)
BORDER_LON = 5.01  # the shared edge of West and East


@pytest.fixture(autouse=True)
def french():
    """The sentences are checked in French, whatever language an earlier request left active."""
    with translation.override("fr"):
        yield


@pytest.fixture
def town(db):
    return make_commune(code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.02), adopted_on=ADOPTED)


@pytest.fixture
def west(town):
    return make_neighbourhood(commune=town, name="Ouest", bounds=(5.0, 43.0, BORDER_LON, 43.02), households=1000)


@pytest.fixture
def east(town):
    return make_neighbourhood(commune=town, name="Est", bounds=(BORDER_LON, 43.0, 5.02, 43.02), population=2000)


def publish(commune, points, *, category: str = "cambriolage", day: dt.date = dt.date(2024, 6, 15)) -> list[Alert]:
    """Published alerts at (lon, lat) points, all on `day` at noon, inserted in one query."""
    occurred = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    kind = AlertCategory.objects.get(code=category)
    return Alert.objects.bulk_create(
        Alert(
            category=kind,
            commune=commune,
            location=Point(lon, lat, srid=4326),
            occurred_at=occurred,
            description="Test",
            status=Alert.Status.PUBLISHED,
            published_at=occurred,
        )
        for lon, lat in points
    )


def spread(n: int, lon0: float, lon1: float, lat0: float = 43.001, lat1: float = 43.019) -> list[tuple[float, float]]:
    """n distinct points strictly inside the rectangle, on a diagonal."""
    return [(lon0 + (lon1 - lon0) * (i + 0.5) / n, lat0 + (lat1 - lat0) * (i + 0.5) / n) for i in range(n)]
