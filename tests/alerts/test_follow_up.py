import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from alerts import follow_up
from alerts.models.moderation import AlertTransition
from tests.auth import resident_client, staff_client
from tests.factories import make_alert, make_police_sector, make_resident
from zones.services import police_service_create

pytestmark = pytest.mark.django_db


def here(lon=5.01):
    return Point(lon, 43.01, srid=4326)


@pytest.fixture
def published(commune, resident):
    return make_alert(commune=commune, location=here(), author=resident, status="published")


def set_follow_up(client, alert, **data):
    return client.post(f"/api/alerts/{alert.pk}/follow-up/", data, content_type="application/json")


def test_police_move_a_published_alert_forward_and_the_author_sees_it(police_agent, published, resident_api):
    client = staff_client(police_agent)
    assert set_follow_up(client, published, follow_up="acknowledged").status_code == 200
    assert resident_api.get(f"/api/alerts/{published.pk}/").json()["follow_up_label"] == (
        "la police municipale est informée"
    )
    assert set_follow_up(client, published, follow_up="in_progress").status_code == 200
    response = set_follow_up(client, published, follow_up="closed", outcome="Porte sécurisée, plainte déposée.")
    assert response.status_code == 200
    mine = resident_api.get(f"/api/alerts/{published.pk}/").json()
    assert (mine["follow_up"], mine["follow_up_outcome"]) == ("closed", "Porte sécurisée, plainte déposée.")
    steps = list(AlertTransition.objects.filter(alert=published).values_list("from_state", "to_state"))
    assert steps == [("none", "acknowledged"), ("acknowledged", "in_progress"), ("in_progress", "closed")]


def test_closing_requires_an_outcome(police_agent, published):
    response = set_follow_up(staff_client(police_agent), published, follow_up="closed")
    assert response.status_code == 400 and "issue" in response.json()["outcome"][0]


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("acknowledged", "acknowledged"),
        ("in_progress", "acknowledged"),
        ("closed", "in_progress"),
        ("closed", "closed"),
    ],
)
def test_follow_up_never_goes_back(municipal_staff, commune, current, requested):
    alert = make_alert(commune=commune, location=here(), status="published", follow_up=current)
    response = set_follow_up(staff_client(municipal_staff), alert, follow_up=requested, outcome="Fait.")
    assert response.status_code == 409
    assert response.json()["follow_up"] == current


@pytest.mark.parametrize("status", ["pending", "rejected", "merged"])
def test_only_published_alerts_are_followed(municipal_staff, moderator, commune, status):
    from accounts.models import Role
    from tests.factories import make_role

    # Municipal staff who also moderate see unpublished alerts, and still cannot follow them up.
    make_role(user=municipal_staff, kind=Role.Kind.MODERATOR, commune=commune)
    alert = make_alert(commune=commune, location=here(), status=status)
    response = set_follow_up(staff_client(municipal_staff), alert, follow_up="acknowledged")
    assert response.status_code == 409 and response.json()["status"] == status


def test_moderators_and_residents_may_not_set_the_follow_up(moderator_api, resident_api, published):
    assert set_follow_up(moderator_api, published, follow_up="acknowledged").status_code == 403
    assert set_follow_up(resident_api, published, follow_up="acknowledged").status_code == 403


def test_police_of_another_service_get_404(neighbour, published):
    from tests.alerts.conftest import staff

    service = police_service_create(name="Police de Voisinville", communes=[neighbour])
    make_police_sector(service=service, commune=neighbour, name="Secteur", bounds=(5.02, 43.0, 5.04, 43.02))
    agent = staff("police_agent", police_service=service)
    assert set_follow_up(staff_client(agent), published, follow_up="acknowledged").status_code == 404


def test_the_change_is_announced_once_after_commit(
    police_agent, published, publication_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        follow_up.alert_follow_up_set(alert=published, actor=police_agent, follow_up="acknowledged")
        assert publication_calls["follow_up_changed"] == []
    assert publication_calls["follow_up_changed"] == [published.pk]


def test_another_resident_reads_the_day_but_not_the_time_nor_the_police_outcome(
    police_agent, published, resident_api, commune
):
    set_follow_up(staff_client(police_agent), published, follow_up="closed", outcome="Plainte déposée rue X.")
    other = resident_client(make_resident(commune=commune, home=Point(5.012, 43.012, srid=4326)))

    theirs = other.get(f"/api/alerts/{published.pk}/").json()
    listed = next(item for item in other.get("/api/alerts/").json()["results"] if item["id"] == published.pk)
    mine = resident_api.get(f"/api/alerts/{published.pk}/").json()

    for seen in (theirs, listed):
        assert seen["occurred_at"] is None and seen["created_at"] is None
        assert seen["occurred_on"] == timezone.localdate(published.occurred_at).isoformat()
        assert seen["follow_up_outcome"] == "" and "location" not in seen
    assert mine["occurred_at"] is not None and mine["follow_up_outcome"] == "Plainte déposée rue X."
    police_view = staff_client(police_agent).get(f"/api/alerts/{published.pk}/").json()
    assert police_view["occurred_at"] is not None and police_view["follow_up_outcome"] == "Plainte déposée rue X."


def test_a_backward_move_is_refused_with_its_reason_not_as_a_colleagues_change(police_agent, published):
    client = staff_client(police_agent)
    set_follow_up(client, published, follow_up="in_progress", seen="none")
    response = set_follow_up(client, published, follow_up="acknowledged", seen="in_progress")
    assert response.status_code == 409
    body = response.json()
    assert body["changed_by_colleague"] is False and "ne peut qu'avancer" in body["detail"]


def test_a_move_over_a_colleagues_change_says_a_colleague_changed_it(police_agent, police_service, published):
    from tests.alerts.conftest import staff

    colleague = staff("police_agent", police_service=police_service)
    set_follow_up(staff_client(colleague), published, follow_up="in_progress", seen="none")
    response = set_follow_up(staff_client(police_agent), published, follow_up="acknowledged", seen="none")
    assert response.status_code == 409
    body = response.json()
    assert body["changed_by_colleague"] is True and body["follow_up"] == "in_progress"
    assert "collègue" in body["detail"]


@pytest.mark.parametrize(
    ("current", "moves"),
    [
        ("none", ["acknowledged", "in_progress", "closed"]),
        ("in_progress", ["closed"]),
        ("closed", []),
    ],
)
def test_the_live_map_offers_only_the_moves_the_follow_up_allows(police_agent, commune, current, moves):
    alert = make_alert(commune=commune, location=here(), status="published", follow_up=current)
    feature = staff_client(police_agent).get(f"/api/maps/police/alerts/{alert.pk}/").json()
    assert feature["properties"]["follow_up_moves"] == moves


def test_an_alert_is_given_to_an_agent_of_the_service_and_the_audit_trail_says_so(
    police_agent, police_service, neighbour, published
):
    from tests.alerts.conftest import staff

    colleague = staff("police_agent", police_service=police_service)
    elsewhere = staff("police_agent", police_service=police_service_create(name="Autre", communes=[neighbour]))
    client = staff_client(police_agent)
    url = f"/api/alerts/{published.pk}/assignee/"
    assert client.post(url, {"assignee": elsewhere.pk}, content_type="application/json").status_code == 400
    assert client.post(url, {"assignee": colleague.pk}, content_type="application/json").status_code == 200
    published.refresh_from_db()
    assert published.assigned_to == colleague
    feature = client.get(f"/api/maps/police/alerts/{published.pk}/").json()["properties"]
    assert feature["assigned_to"] == colleague.pk
    step = AlertTransition.objects.get(alert=published, field="assignee")
    assert (step.actor, step.from_state, step.to_state) == (police_agent, "", str(colleague.pk))


def test_internal_notes_are_for_the_police_and_town_hall_only(
    police_agent, municipal_staff, moderator_api, resident_api, published
):
    url = f"/api/alerts/{published.pk}/notes/"
    police = staff_client(police_agent)
    assert police.post(url, {"text": "Repasser ce soir"}, content_type="application/json").status_code == 201
    assert police.post(url, {"text": "   "}, content_type="application/json").status_code == 400
    notes = staff_client(municipal_staff).get(url).json()
    assert [note["text"] for note in notes] == ["Repasser ce soir"]
    assert AlertTransition.objects.filter(alert=published, field="note", actor=police_agent).count() == 1
    assert resident_api.get(url).status_code == 403
    assert moderator_api.get(url).status_code == 403
    assert "Repasser" not in resident_api.get(f"/api/alerts/{published.pk}/").content.decode()
