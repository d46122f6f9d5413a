from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Role
from alerts.selectors import duplicate_suggestions
from tests.auth import staff_client
from tests.factories import make_alert, make_role

pytestmark = pytest.mark.django_db

# At 43° N one degree of longitude is about 81.4 km: 0.001° ≈ 81 m, 0.002° ≈ 163 m.


def at(lon, lat=43.01):
    return Point(lon, lat, srid=4326)


def queue(client, **params):
    response = client.get("/api/moderation/queue/", params)
    assert response.status_code == 200
    return response.json()["results"]


def test_the_queue_holds_pending_alerts_of_my_communes_oldest_first_with_their_age(moderator_api, commune, neighbour):
    now = timezone.now()
    newer = make_alert(commune=commune, location=at(5.01), created_at=now - timedelta(minutes=5))
    older = make_alert(commune=commune, location=at(5.01), created_at=now - timedelta(hours=3))
    make_alert(commune=commune, location=at(5.01), status="published")
    make_alert(commune=neighbour, location=at(5.03))
    items = queue(moderator_api)
    assert [item["id"] for item in items] == [older.pk, newer.pk]
    assert 3 * 3600 <= items[0]["age_seconds"] < 3 * 3600 + 60
    assert items[0]["location"]["type"] == "Point"


def test_the_queue_can_be_narrowed_to_one_of_my_communes(moderator, moderator_api, commune, neighbour):
    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=neighbour)
    here_alert = make_alert(commune=commune, location=at(5.01))
    there_alert = make_alert(commune=neighbour, location=at(5.03))
    assert {item["id"] for item in queue(moderator_api)} == {here_alert.pk, there_alert.pk}
    assert [item["id"] for item in queue(moderator_api, commune=neighbour.code)] == [there_alert.pk]


def test_a_moderator_of_another_commune_sees_an_empty_queue(neighbour_moderator, commune):
    make_alert(commune=commune, location=at(5.01))
    assert queue(staff_client(neighbour_moderator)) == []
    assert queue(staff_client(neighbour_moderator), commune=commune.code) == []


def test_police_agents_have_no_queue(police_agent, commune):
    make_alert(commune=commune, location=at(5.01))
    assert queue(staff_client(police_agent)) == []


def test_the_queue_highlights_personal_data(moderator_api, commune):
    text = "Démarcheur insistant, rappelez-le au 06 12 34 56 78."
    make_alert(commune=commune, location=at(5.01), category="demarchage-suspect", description=text)
    [item] = queue(moderator_api)
    [highlight] = item["highlights"]
    assert highlight["kind"] == "phone"
    assert text[highlight["start"] : highlight["end"]] == "06 12 34 56 78"


def test_duplicates_are_same_family_within_150_m_and_2_hours(moderator_api, commune):
    now = timezone.now()
    alert = make_alert(commune=commune, location=at(5.01), occurred_at=now)
    near = make_alert(commune=commune, location=at(5.011), category="tentative-cambriolage", occurred_at=now)
    make_alert(commune=commune, location=at(5.012), occurred_at=now)  # ~163 m: too far
    make_alert(commune=commune, location=at(5.01), occurred_at=now - timedelta(hours=3))  # too long before
    make_alert(commune=commune, location=at(5.01), category="tag", occurred_at=now)  # another family
    make_alert(commune=commune, location=at(5.01), status="rejected", occurred_at=now)  # refused: not a duplicate
    found = duplicate_suggestions([alert.pk])[alert.pk]
    assert [d.duplicate_id for d in found] == [near.pk]
    assert 75 < found[0].distance_m < 90
    items = {item["id"]: item for item in queue(moderator_api)}
    assert [d["id"] for d in items[alert.pk]["duplicates"]] == [near.pk]
    assert items[alert.pk]["duplicates"][0]["status_label"] == "en attente de modération"


def test_duplicates_cost_one_query_for_a_whole_page(commune, django_assert_num_queries):
    ids = [make_alert(commune=commune, location=at(5.01 + i * 0.0002)).pk for i in range(20)]
    with django_assert_num_queries(1):
        found = duplicate_suggestions(ids)
    assert all(len(found[pk]) >= 1 for pk in ids)
