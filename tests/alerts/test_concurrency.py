"""Two moderators acting on the same alert at once, each on their own database connection (one per
thread, as Django gives each thread its own): one wins, the other gets a 409 and sees the outcome."""

import threading

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from alerts import moderation
from alerts.models import Alert
from alerts.models.moderation import AlertTransition
from alerts.transitions import AlertTransitionConflict
from tests.auth import staff_client
from tests.factories import make_alert

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(target):
    """Run target in a thread with its own database connection, closed at the end."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def backend_pid_waiting_for_lock(pids: set[int]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return bool(pids & {row[0] for row in cursor.fetchall()})


def test_the_second_moderator_waits_then_gets_a_conflict_with_the_outcome(commune, moderator, publication_calls):
    from tests.alerts.conftest import staff

    second = staff("moderator", commune=commune)
    alert = make_alert(commune=commune, location=Point(5.01, 43.01, srid=4326))
    first_holds_lock, release_first = threading.Event(), threading.Event()
    pids = set()

    def first_rejects():
        pids.add(connection.cursor().connection.info.backend_pid)
        with transaction.atomic():
            moderation.alert_reject(alert=alert, moderator=moderator, reason="not_an_alert")
            first_holds_lock.set()
            release_first.wait(10)  # keep the row locked, uncommitted, while the second one tries

    def second_publishes():
        pids.add(connection.cursor().connection.info.backend_pid)
        return moderation.alert_publish(alert=alert, moderator=second)

    thread_a, outcome_a = in_thread(first_rejects)
    assert first_holds_lock.wait(10)
    thread_b, outcome_b = in_thread(second_publishes)
    # The second connection is really blocked on the first one's row lock.
    for _ in range(100):
        if backend_pid_waiting_for_lock(pids):
            break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the second moderator never waited for the lock")
    assert thread_b.is_alive()
    release_first.set()
    thread_a.join(10)
    thread_b.join(10)

    assert "error" not in outcome_a
    conflict = outcome_b["error"]
    assert isinstance(conflict, AlertTransitionConflict)
    assert conflict.alert.status == "rejected"  # the loser sees the outcome
    assert Alert.objects.get(pk=alert.pk).status == "rejected"
    assert AlertTransition.objects.filter(alert=alert).count() == 1
    assert publication_calls["published"] == []


def test_two_moderators_publishing_at_once_through_the_api(commune, moderator, publication_calls):
    from tests.alerts.conftest import staff

    alert = make_alert(commune=commune, location=Point(5.01, 43.01, srid=4326))
    clients = [staff_client(moderator), staff_client(staff("moderator", commune=commune))]
    start = threading.Barrier(2)

    def publish(client):
        def call():
            start.wait(5)
            return client.post(f"/api/moderation/alerts/{alert.pk}/publish/")

        return call

    threads = [in_thread(publish(client)) for client in clients]
    for thread, _ in threads:
        thread.join(20)
    responses = [outcome["result"] for _, outcome in threads]
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["status"] == "published"
    assert AlertTransition.objects.filter(alert=alert).count() == 1
    # The routing hook ran once, after the winner's commit.
    assert publication_calls["published"] == [alert.pk]
