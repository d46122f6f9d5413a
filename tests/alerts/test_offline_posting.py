"""An alert written on a phone without a network and sent later: it keeps its time of writing, and
the key the phone drew makes every resend find the alert already made (even two sends at once)."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from alerts import posting
from alerts.models import Alert
from tests.alerts.conftest import accept
from tests.alerts.test_concurrency import backend_pid_waiting_for_lock, in_thread
from tests.alerts.test_posting import post
from tests.auth import resident_client
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_a_resend_of_the_same_key_answers_the_alert_already_made(resident_api, resident):
    key, composed_at = str(uuid.uuid4()), timezone.now() - timedelta(hours=2)
    first = post(resident_api, client_key=key, composed_at=composed_at.isoformat())
    assert first.status_code == 201, first.json()
    again = post(resident_api, client_key=key, composed_at=composed_at.isoformat(), description="Autre texte ici.")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    alert = Alert.objects.get(author=resident)
    assert alert.composed_at == composed_at and alert.client_key == uuid.UUID(key)
    assert first.json()["composed_at"] is not None and alert.description.startswith("Porte")


def test_the_same_key_from_another_resident_is_another_alert(resident_api, commune, charter):
    key = str(uuid.uuid4())
    other = accept(make_resident(commune=commune, home=Point(5.011, 43.011, srid=4326)), charter)
    assert post(resident_api, client_key=key).status_code == 201
    assert post(resident_client(other), client_key=key).status_code == 201
    assert Alert.objects.filter(client_key=key).count() == 2


def test_an_alert_written_under_another_account_is_refused_and_nothing_is_made(resident_api, resident):
    """A shared phone: what one person wrote offline never leaves under the account signed in now."""
    refused = post(resident_api, client_key=str(uuid.uuid4()), written_by=resident.pk + 1)
    assert refused.status_code == 409
    assert "autre compte" in refused.json()["detail"]
    assert not Alert.objects.exists()
    assert post(resident_api, client_key=str(uuid.uuid4()), written_by=resident.pk).status_code == 201


@pytest.mark.parametrize(
    ("shift", "message"),
    [(timedelta(minutes=30), "dans le futur"), (-timedelta(hours=73), "plus de 72 heures")],
)
def test_a_time_of_writing_in_the_future_or_too_old_is_refused(resident_api, shift, message):
    response = post(resident_api, client_key=str(uuid.uuid4()), composed_at=(timezone.now() + shift).isoformat())
    assert response.status_code == 400
    assert message in response.json()["composed_at"][0]
    assert not Alert.objects.exists()


def test_a_resend_is_not_counted_against_the_hourly_limit(resident_api, settings):
    settings.ALERTS_MAX_POSTS_PER_HOUR = 1
    key = str(uuid.uuid4())
    assert post(resident_api, client_key=key).status_code == 201
    assert post(resident_api, client_key=key).status_code == 200
    assert post(resident_api, client_key=str(uuid.uuid4())).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_make_one_alert(resident):
    """The page and the service worker sending together: the second waits on the author's lock, then
    finds the first's alert."""
    residence = resident.residence
    data = posting.PostingInput(
        lon=5.01,
        lat=43.01,
        occurred_at=timezone.now() - timedelta(hours=1),
        category="cambriolage",
        description="Porte d'entrée fracturée au 3 rue des Lilas.",
        emergency_notice_acknowledged=True,
        composed_at=timezone.now() - timedelta(minutes=10),
        client_key=uuid.uuid4(),
    )
    first_holds_lock, release_first = threading.Event(), threading.Event()
    pids = set()

    def first_sends():
        with transaction.atomic():
            alert = posting.alert_post(author=resident, residence=residence, data=data)
            first_holds_lock.set()
            release_first.wait(10)
            return alert

    def second_sends():
        pids.add(connection.cursor().connection.info.backend_pid)
        try:
            return posting.alert_post(author=resident, residence=residence, data=data)
        except posting.PostingReplayed as replay:
            return ("replayed", replay.alert.pk)

    first, first_outcome = in_thread(first_sends)
    assert first_holds_lock.wait(10)
    second, second_outcome = in_thread(second_sends)
    for _ in range(500):  # readiness: the second send is blocked on the author's row lock
        if backend_pid_waiting_for_lock(pids):
            break
        threading.Event().wait(0.01)
    release_first.set()
    first.join(10)
    second.join(10)
    assert "error" not in first_outcome and "error" not in second_outcome, (first_outcome, second_outcome)
    assert second_outcome["result"] == ("replayed", first_outcome["result"].pk)
    assert Alert.objects.filter(author=resident).count() == 1
