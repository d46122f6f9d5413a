"""The police services' events are committed, and their live maps notified, before the residents'
deliveries are written; a routing cut between the two is finished later without repeating them."""

import psycopg
import pytest
from django.utils import timezone

from alerts.models import Alert, AlertEvent
from delivery import routing
from delivery.events import NOTIFY_CHANNEL
from delivery.models import AlertRouting, Delivery
from maps.live.listener import database_conninfo
from tests.delivery.conftest import BORDER_LON, build_town, home, publish, resident_at
from tests.factories import make_alert

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def town(transactional_db):
    return build_town()


def test_the_live_maps_hear_of_the_alert_before_the_residents_deliveries_are_written(town, monkeypatch):
    resident = resident_at(town, 5.005)
    alert = make_alert(commune=town.commune, location=home(BORDER_LON), category="degradation")
    seen = {}
    real = routing.alert_deliveries_create
    with psycopg.connect(database_conninfo(), autocommit=True) as other:
        other.execute(f"LISTEN {NOTIFY_CHANNEL}")

        def deliveries_create(**kwargs):
            # What another connection sees at this moment: committed events and their wake-ups.
            seen["events"] = other.execute(
                "SELECT police_service_id FROM alerts_alertevent WHERE alert_id = %s ORDER BY 1", [alert.id]
            ).fetchall()
            seen["deliveries"] = other.execute(
                "SELECT count(*) FROM alerts_delivery WHERE alert_id = %s", [alert.id]
            ).fetchone()[0]
            seen["notified"] = sorted(notify.payload for notify in other.notifies(timeout=10, stop_after=2))
            return real(**kwargs)

        monkeypatch.setattr(routing, "alert_deliveries_create", deliveries_create)
        publish(alert)

    events = {event.police_service_id: event.id for event in AlertEvent.objects.filter(alert=alert)}
    assert seen["events"] == sorted((service_id,) for service_id in [town.west_service.id, town.east_service.id])
    assert seen["deliveries"] == 0
    assert seen["notified"] == sorted(f"{service_id}:{event_id}" for service_id, event_id in events.items())
    assert Delivery.objects.filter(alert=alert, recipient=resident).count() == 1


def test_a_routing_cut_after_the_events_is_finished_later_without_a_second_event(town, monkeypatch):
    resident = resident_at(town, 5.005)
    alert = make_alert(commune=town.commune, location=home(5.005), category="degradation")
    Alert.objects.filter(id=alert.id).update(status=Alert.Status.PUBLISHED, published_at=timezone.now())

    def cut(**kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(routing, "alert_deliveries_create", cut)
    with pytest.raises(RuntimeError):
        routing.alert_route(alert_id=alert.id)
    monkeypatch.undo()

    assert list(AlertEvent.objects.filter(alert=alert).values_list("police_service_id", flat=True)) == [
        town.west_service.id
    ]
    assert not AlertRouting.objects.filter(alert=alert).exists()
    assert routing.alerts_unrouted_route() == [alert.id]
    assert routing.alert_route(alert_id=alert.id) is None  # a late second signal
    assert AlertEvent.objects.filter(alert=alert).count() == 1
    assert list(
        Delivery.objects.filter(alert=alert, kind=Delivery.Kind.ALERT).values_list("recipient", flat=True)
    ) == [resident.id]
