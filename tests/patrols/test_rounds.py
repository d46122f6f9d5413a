"""The day's round: risk first (a published burglary within 200 m and 14 days, then homes missed the
day before), then nearest neighbour from the station."""

import datetime
import json

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from patrols import rounds
from patrols.models import Visit
from tests.factories import make_alert
from tests.patrols.conftest import declare

pytestmark = pytest.mark.django_db

NEAR_STATION = Point(5.0105, 43.0105, srid=4326)
FAR_HOME = Point(5.0150, 43.0150, srid=4326)  # about 650 m from the first home


@pytest.fixture
def two_homes(patrol_world):
    """Alpha's round: the resident's home next to the station, the neighbour's farther away."""
    alpha = patrol_world.services["alpha"]
    alpha.station = Point(5.0100, 43.0099, srid=4326)
    alpha.save()
    neighbour = patrol_world.people["neighbour_a"]
    neighbour.residence.home = FAR_HOME
    neighbour.residence.save()
    return patrol_world.absences["a"], declare(neighbour)


def round_ids(world, role="police_a", day=None):
    features = world.client(role).get("/api/patrols/round/", {"day": day} if day else {}).json()["features"]
    return [(feature["id"], feature["properties"]["rank"]) for feature in features], features


def test_without_risk_the_round_starts_at_the_home_nearest_the_station(patrol_world, two_homes):
    first, second = two_homes
    ids, features = round_ids(patrol_world)
    assert ids == [(first.id, 1), (second.id, 2)]
    assert [feature["properties"]["near_repeat"] for feature in features] == [False, False]


def test_a_burglary_published_near_an_absent_home_moves_it_to_the_top(patrol_world, two_homes):
    first, second = two_homes
    # 100 m east of the far home, published, this morning.
    make_alert(
        commune=patrol_world.communes["a"],
        location=Point(5.01623, 43.0150, srid=4326),
        status="published",
        published_at=timezone.now(),
    )
    ids, features = round_ids(patrol_world)
    assert ids == [(second.id, 1), (first.id, 2)]
    assert features[0]["properties"]["near_repeat"] is True and features[0]["properties"]["tier"] == 1


@pytest.mark.parametrize(
    ("where", "days_ago", "status", "category"),
    [
        (Point(5.01900, 43.0150, srid=4326), 0, "published", "cambriolage"),  # about 320 m away
        (Point(5.01623, 43.0150, srid=4326), 20, "published", "cambriolage"),  # too long ago
        (Point(5.01623, 43.0150, srid=4326), 0, "pending", "cambriolage"),  # not published
    ],
)
def test_a_burglary_too_far_too_old_or_unpublished_changes_nothing(
    patrol_world, two_homes, where, days_ago, status, category
):
    first, second = two_homes
    make_alert(
        commune=patrol_world.communes["a"],
        location=where,
        status=status,
        category=category,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    ids, _features = round_ids(patrol_world)
    assert ids == [(first.id, 1), (second.id, 2)]


def test_a_home_missed_yesterday_is_carried_to_the_front_of_todays_round(patrol_world, two_homes):
    first, second = two_homes
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Visit.objects.create(
        absence=first,
        resident=first.resident,
        agent=patrol_world.people["police_a"],
        day=yesterday,
        position=first.residence.home,
        distance_m=0,
        observation="nothing",
    )
    ids, features = round_ids(patrol_world)
    assert ids == [(second.id, 1), (first.id, 2)]
    assert [feature["properties"]["carried"] for feature in features] == [True, False]


def test_a_home_whose_absence_starts_today_is_not_carried(patrol_world):
    resident = patrol_world.people["neighbour_a"]
    absence = declare(resident, days_from=0)
    [stop] = [
        s
        for s in rounds.round_stops(
            service_ids=[patrol_world.services["alpha"].id], day=timezone.localdate(), time_zone="Europe/Paris"
        )
        if s.absence_id == absence.id
    ]
    assert stop.carried is False


def test_nearest_neighbour_chains_each_tier_from_where_the_previous_ended():
    stops = [
        rounds.Stop(absence_id=1, x=1000, y=0, near_repeat=False, carried=False, rate=0, visited=False),
        rounds.Stop(absence_id=2, x=10, y=0, near_repeat=False, carried=False, rate=0, visited=False),
        rounds.Stop(absence_id=3, x=900, y=0, near_repeat=True, carried=False, rate=0, visited=False),
        rounds.Stop(absence_id=4, x=500, y=0, near_repeat=False, carried=False, rate=0, visited=False),
    ]
    ordered = rounds.round_order(stops, start=(0.0, 0.0))
    # The risky home first, whatever the distance; then onwards from it: 1000, 500, 10.
    assert [stop.absence_id for stop in ordered] == [3, 1, 4, 2]
    assert [stop.leg_m for stop in ordered] == [900, 100, 500, 490]


def test_a_cancelled_absence_leaves_the_round(patrol_world):
    from patrols import services

    services.absence_cancel(absence=patrol_world.absences["a"])
    ids, _features = round_ids(patrol_world)
    assert ids == []


def _previous_chain(points, here):
    """The chain as first written (a mask over every point at each step), kept as the reference."""
    left = np.ones(len(points), dtype=bool)
    order = []
    here = points[0] if here is None else np.array(here, dtype=float)
    for _ in range(len(points)):
        distances = np.hypot(points[:, 0] - here[0], points[:, 1] - here[1])
        distances[~left] = np.inf
        nearest = int(np.argmin(distances))
        order.append((nearest, float(distances[nearest])))
        left[nearest] = False
        here = points[nearest]
    return order


@pytest.mark.parametrize("start", [(1500.0, 1500.0), None])
def test_the_faster_chain_gives_the_same_order_and_legs_as_the_first_one(start):
    """400 homes on a 3 km square, a quarter of them sharing their point with another (flats of one
    building: ties, broken by list order), chained from the station or from the first home."""
    rng = np.random.default_rng(16)
    points = rng.uniform(0, 3000, size=(400, 2))
    points[300:] = points[rng.integers(0, 300, size=100)]
    stops = [
        rounds.Stop(absence_id=i, x=x, y=y, near_repeat=False, carried=False, rate=0, visited=False)
        for i, (x, y) in enumerate(points)
    ]
    chain, end = rounds._nearest_neighbour_chain(stops, start)
    expected = _previous_chain(points, start)
    assert [(stop.absence_id, stop.leg_m) for stop in chain] == expected
    assert tuple(end) == tuple(points[expected[-1][0]])
    assert sum(1 for _i, leg in expected if leg == 0) >= 50  # the ties were really exercised


def test_the_lean_feature_collection_is_what_drf_gis_would_write(patrol_world, two_homes):
    """The round's and the layer's features, written by RowFeatureListSerializer and by DRF-GIS's own
    list serializer from the same rows: the same JSON, a None value included."""
    from rest_framework_gis.serializers import GeoFeatureModelListSerializer

    from patrols import selectors
    from patrols.geojson import AbsenceFeatureSerializer, RoundStopFeatureSerializer

    first, _second = two_homes
    services_ids, day = [patrol_world.services["alpha"].id], timezone.localdate()
    stops = rounds.round_stops(service_ids=services_ids, day=day, time_zone="Europe/Paris")
    round_rows = rounds.round_rows(stops)
    round_rows[0]["notes"] = None
    layer_rows = selectors.absences_layer(services_ids, day)
    for serializer, rows in ((RoundStopFeatureSerializer, round_rows), (AbsenceFeatureSerializer, layer_rows)):
        lean = serializer(rows, many=True).data
        generic = GeoFeatureModelListSerializer(rows, child=serializer()).data
        assert len(lean["features"]) == 2
        assert json.dumps(lean) == json.dumps(generic)
    assert {row["id"] for row in layer_rows} == {first.id, _second.id}
