from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from alerts import moderation
from alerts.models import Alert
from alerts.models.moderation import AlertRedaction, AlertTransition
from tests.auth import resident_client, staff_client
from tests.factories import make_alert

pytestmark = pytest.mark.django_db


def here(lon=5.01, lat=43.01):
    return Point(lon, lat, srid=4326)


@pytest.fixture
def pending(commune, resident):
    return make_alert(commune=commune, location=here(), author=resident, description="Vitre brisée, voiture ouverte.")


def act(client, alert, action, **data):
    return client.post(f"/api/moderation/alerts/{alert.pk}/{action}/", data, content_type="application/json")


def test_publishing_records_who_and_when(moderator_api, moderator, pending):
    response = act(moderator_api, pending, "publish")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "published" and pending.published_at and pending.decided_at
    transition = AlertTransition.objects.get(alert=pending)
    assert (transition.actor, transition.from_state, transition.to_state) == (moderator, "pending", "published")


def test_a_rejection_reason_is_shown_to_the_author(moderator_api, pending, resident_api):
    response = act(moderator_api, pending, "reject", reason="accusation_or_naming", note="Ne nommez personne.")
    assert response.status_code == 200
    mine = resident_api.get(f"/api/alerts/{pending.pk}/").json()
    assert mine["status"] == "rejected"
    assert mine["rejection_reason"] == "accusation_or_naming"
    assert mine["rejection_reason_label"] == "accusation ou personne nommée"
    assert mine["rejection_note"] == "Ne nommez personne."
    page = resident_api.get("/alertes/mes-alertes/").content.decode()
    assert "accusation ou personne nommée" in page and "Ne nommez personne." in page
    assert AlertTransition.objects.get(alert=pending).reason == "accusation_or_naming"


def test_an_unknown_rejection_reason_is_refused(moderator_api, pending):
    assert act(moderator_api, pending, "reject", reason="boring").status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_redaction_publishes_the_edited_text_and_restore_brings_back_the_original(moderator_api, pending, resident):
    original = pending.description
    response = act(moderator_api, pending, "redact", description="Vitre brisée, voiture ouverte (texte modifié).")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "published" and pending.description.endswith("(texte modifié).")
    assert AlertRedaction.objects.get(alert=pending).original_description == original

    response = act(moderator_api, pending, "restore")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.description == original and pending.status == "published"
    assert AlertRedaction.objects.get(alert=pending).restored_at is not None
    # Nothing left to restore.
    assert act(moderator_api, pending, "restore").status_code == 409
    fields = list(AlertTransition.objects.filter(alert=pending).values_list("field", "to_state"))
    assert fields == [("description", "redacted"), ("status", "published"), ("description", "original")]


def test_redaction_refuses_an_empty_text(moderator_api, pending):
    assert act(moderator_api, pending, "redact", description="  ").status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_merge_points_to_the_alert_that_stays(moderator_api, pending, commune):
    target = make_alert(commune=commune, location=here(5.0105), status="published")
    response = act(moderator_api, pending, "merge", into=target.pk)
    assert response.status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.merged_into) == ("merged", target)


def test_merge_into_another_commune_or_itself_is_refused(moderator_api, moderator, pending, neighbour):
    from accounts.models import Role
    from tests.factories import make_role

    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=neighbour)
    elsewhere = make_alert(commune=neighbour, location=here(5.03))
    assert act(moderator_api, pending, "merge", into=elsewhere.pk).status_code == 400
    assert act(moderator_api, pending, "merge", into=pending.pk).status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_merge_into_a_rejected_alert_is_refused(moderator_api, pending, commune):
    rejected = make_alert(commune=commune, location=here(), status="rejected")
    assert act(moderator_api, pending, "merge", into=rejected.pk).status_code == 400


ACTIONS = {
    "publish": {},
    "reject": {"reason": "duplicate"},
    "redact": {"description": "Un texte modifié assez long."},
    "merge": "target",
}


@pytest.mark.parametrize("status", ["published", "rejected", "merged"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_decision_on_a_decided_alert_is_a_conflict(moderator_api, commune, status, action):
    alert = make_alert(commune=commune, location=here(), status=status)
    target = make_alert(commune=commune, location=here(), status="published")
    data = {"into": target.pk} if ACTIONS[action] == "target" else ACTIONS[action]
    response = act(moderator_api, alert, action, **data)
    assert response.status_code == 409
    assert response.json()["status"] == status
    alert.refresh_from_db()
    assert alert.status == status
    assert not AlertTransition.objects.filter(alert=alert).exists()


@pytest.mark.parametrize("status", ["pending", "published", "rejected", "merged"])
def test_restore_without_a_redaction_is_a_conflict(moderator_api, commune, status):
    alert = make_alert(commune=commune, location=here(), status=status)
    assert act(moderator_api, alert, "restore").status_code == 409


def test_a_moderator_of_another_commune_gets_404(neighbour_moderator, pending):
    client = staff_client(neighbour_moderator)
    for action, data in [("publish", {}), ("reject", {"reason": "duplicate"}), ("restore", {})]:
        assert act(client, pending, action, **data).status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_residents_and_police_cannot_moderate(resident_api, police_agent, pending):
    assert act(resident_api, pending, "publish").status_code == 403
    assert act(staff_client(police_agent), pending, "publish").status_code == 404


def test_moderation_needs_the_second_factor(moderator, pending):
    client = resident_client(moderator)  # logged in without a verified TOTP device
    assert act(client, pending, "publish").status_code == 403


class TestPublicationHook:
    def test_called_once_after_commit(self, moderator, pending, publication_calls, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            moderation.alert_publish(alert=pending, moderator=moderator)
            assert publication_calls["published"] == []  # not before the commit
        assert len(callbacks) == 1
        assert publication_calls["published"] == [pending.pk]

    def test_redaction_also_publishes_once(
        self, moderator, pending, publication_calls, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            moderation.alert_redact(alert=pending, moderator=moderator, description="Texte modifié assez long.")
        assert publication_calls["published"] == [pending.pk]

    def test_not_called_on_rollback(self, moderator, pending, publication_calls, django_capture_on_commit_callbacks):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            moderation.alert_publish(alert=pending, moderator=moderator)
            raise RuntimeError("something later in the same transaction failed")
        assert callbacks == [] and publication_calls["published"] == []
        pending.refresh_from_db()
        assert pending.status == "pending"

    def test_not_called_by_reject_or_merge(
        self, moderator, pending, commune, publication_calls, django_capture_on_commit_callbacks
    ):
        other = make_alert(commune=commune, location=here())
        with django_capture_on_commit_callbacks(execute=True):
            moderation.alert_reject(alert=pending, moderator=moderator, reason="duplicate")
            moderation.alert_merge(
                alert=other, moderator=moderator, target=make_alert(commune=commune, location=here())
            )
        assert publication_calls["published"] == []

    def test_a_refused_publication_does_not_call_it(
        self, moderator_api, commune, publication_calls, django_capture_on_commit_callbacks
    ):
        alert = make_alert(commune=commune, location=here(), status="published")
        with django_capture_on_commit_callbacks(execute=True):
            assert act(moderator_api, alert, "publish").status_code == 409
        assert publication_calls["published"] == []


def test_stats_give_median_and_90th_percentile_of_decision_times(moderator_api, moderator, commune):
    now = timezone.now()
    # Decision delays of 1, 2, ..., 10 minutes: median 5.5 min, p90 9.1 min (linear interpolation).
    for minutes in range(1, 11):
        alert = make_alert(commune=commune, location=here(), created_at=now - timedelta(hours=1))
        Alert.objects.filter(pk=alert.pk).update(
            status="published", decided_at=alert.created_at + timedelta(minutes=minutes)
        )
    make_alert(commune=commune, location=here())  # still pending: not in the delays
    response = moderator_api.get("/api/moderation/stats/", {"commune": commune.code})
    assert response.status_code == 200
    body = response.json()
    assert (body["decided"], body["pending"]) == (10, 1)
    assert body["median_seconds"] == pytest.approx(330)
    assert body["p90_seconds"] == pytest.approx(546)


def test_stats_of_another_commune_are_404_and_the_commune_is_required(moderator_api, neighbour):
    assert moderator_api.get("/api/moderation/stats/", {"commune": neighbour.code}).status_code == 404
    assert moderator_api.get("/api/moderation/stats/").status_code == 400


def test_municipal_staff_see_the_stats_of_their_commune(municipal_staff, commune):
    response = staff_client(municipal_staff).get("/api/moderation/stats/", {"commune": commune.code})
    assert response.status_code == 200 and response.json()["decided"] == 0


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("merge", {"into": 10**20}),
        ("merge", {"into": "abc"}),
        ("merge", {"into": 999999}),
        ("reject", {}),
        ("reject", {"reason": ["duplicate"]}),
        ("redact", {"description": ""}),
        ("redact", {"description": "x" * 2001}),
    ],
)
def test_bad_moderation_input_is_a_400_naming_the_problem(moderator_api, pending, action, data):
    response = act(moderator_api, pending, action, **data)
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_huge_ids_are_404_not_500(moderator_api, resident_api):
    assert moderator_api.post(f"/api/moderation/alerts/{10**20}/publish/").status_code == 404
    assert resident_api.get(f"/api/alerts/{10**20}/").status_code == 404
