from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Residence, Role
from alerts.models import AlertCategory, AlertEvent
from delivery.models import AlertRouting, Delivery, NotificationPreference, RoutedZone
from delivery.routing import alert_follow_up_record, alert_route
from tests.delivery.conftest import BORDER_LON, home, resident_at
from tests.factories import UserFactory, make_alert, make_commune, make_neighbourhood, make_resident, make_role

pytestmark = pytest.mark.django_db


def recipients_of(alert, kind=Delivery.Kind.ALERT) -> set:
    return set(Delivery.objects.filter(alert=alert, kind=kind).values_list("recipient_id", flat=True))


def test_alert_on_the_border_reaches_both_neighbourhoods_and_both_sectors(town, published):
    north_resident = resident_at(town, 5.005)
    south_resident = resident_at(town, 5.015)
    alert = published(make_alert(commune=town.commune, location=home(BORDER_LON), category="degradation"))

    zones = dict(RoutedZone.objects.filter(alert=alert).values_list("zone__name", "reason"))
    assert zones == {"Nord": "covers", "Sud": "covers", "Ouest": "covers", "Est": "covers"}
    assert recipients_of(alert) == {north_resident.id, south_resident.id}
    events = set(AlertEvent.objects.filter(alert=alert).values_list("police_service_id", "kind"))
    assert events == {(town.west_service.id, "published"), (town.east_service.id, "published")}


def test_neighbourhood_within_the_radius_is_told_as_nearby(town, published):
    south_resident = resident_at(town, 5.015)
    # 0.001 degree of longitude at 43.01 N is about 81 m: well within the default 300 m.
    alert = published(make_alert(commune=town.commune, location=home(BORDER_LON - 0.001), category="degradation"))

    assert RoutedZone.objects.get(alert=alert, zone=town.south).reason == "nearby"
    assert RoutedZone.objects.get(alert=alert, zone=town.north).reason == "covers"
    assert south_resident.id in recipients_of(alert)


def test_commune_radius_overrides_the_default(town, published):
    town.commune.routing_radius_m = 50
    town.commune.save()
    south_resident = resident_at(town, 5.015)
    alert = published(make_alert(commune=town.commune, location=home(BORDER_LON - 0.001), category="degradation"))

    assert not RoutedZone.objects.filter(alert=alert, zone=town.south).exists()
    assert AlertRouting.objects.get(alert=alert).radius_m == 50
    assert south_resident.id not in recipients_of(alert)


def test_muted_category_is_honoured_and_others_still_arrive(town, published):
    muted = resident_at(town, 5.005)
    other_muted = resident_at(town, 5.006)
    NotificationPreference.objects.create(user=muted).muted_categories.add(AlertCategory.objects.get(code="tag"))
    NotificationPreference.objects.create(user=other_muted).muted_categories.add(
        AlertCategory.objects.get(code="rodeo")
    )
    alert = published(make_alert(commune=town.commune, location=home(5.004), category="tag"))

    assert recipients_of(alert) == {other_muted.id}


def test_author_unverified_and_other_towns_are_left_out(town, published):
    author = resident_at(town, 5.005)
    pending = resident_at(town, 5.006, status=Residence.Status.PENDING)
    neighbour = resident_at(town, 5.007)
    alert = published(make_alert(commune=town.commune, location=home(5.004), author=author, category="tag"))

    assert recipients_of(alert) == {neighbour.id}
    assert pending.id not in recipients_of(alert)


def test_only_police_agents_of_routed_sectors_receive_it(town, published):
    west_agent, east_agent, far_agent, moderator = UserFactory.create_batch(4)
    make_role(user=west_agent, kind=Role.Kind.POLICE_AGENT, police_service=town.west_service)
    make_role(user=east_agent, kind=Role.Kind.POLICE_AGENT, police_service=town.east_service)
    make_role(user=far_agent, kind=Role.Kind.POLICE_AGENT, police_service=town.far_service)
    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=town.commune)
    alert = published(make_alert(commune=town.commune, location=home(5.002), category="tag"))

    assert recipients_of(alert) == {west_agent.id}
    assert set(AlertEvent.objects.filter(alert=alert).values_list("police_service_id", flat=True)) == {
        town.west_service.id
    }


def test_publishing_twice_routes_once(town, published, _queued_dispatches):
    resident_at(town, 5.005)
    alert = published(make_alert(commune=town.commune, location=home(5.004), category="tag"))
    alert_route(alert_id=alert.id)

    assert Delivery.objects.filter(alert=alert).count() == 1
    assert AlertEvent.objects.filter(alert=alert).count() == 1
    assert _queued_dispatches == [("alert", alert.id)]


def test_an_alert_not_published_is_not_routed(town):
    resident_at(town, 5.005)
    alert = make_alert(commune=town.commune, location=home(5.004), status="pending")
    alert_route(alert_id=alert.id)
    assert not Delivery.objects.exists()
    assert not AlertRouting.objects.exists()


def test_follow_up_change_is_told_to_the_services_that_got_the_alert(town, published):
    alert = published(make_alert(commune=town.commune, location=home(BORDER_LON), category="tag"))
    alert_follow_up_record(alert_id=alert.id)
    changed = AlertEvent.objects.filter(alert=alert, kind="status_changed")
    assert set(changed.values_list("police_service_id", flat=True)) == {town.west_service.id, town.east_service.id}
    # Each service's stream is ordered: the change comes after the publication.
    for service_id in (town.west_service.id, town.east_service.id):
        kinds = AlertEvent.objects.filter(police_service_id=service_id).order_by("id").values_list("kind", flat=True)
        assert list(kinds) == ["published", "status_changed"]


def _quiet_now() -> tuple[time, time]:
    local = timezone.localtime()
    return (local - timedelta(hours=1)).time().replace(microsecond=0), (local + timedelta(hours=1)).time().replace(
        microsecond=0
    )


def test_quiet_hours_defer_email_until_they_end_but_urgent_categories_go_now(town, published):
    sleeper = resident_at(town, 5.005)
    start, end = _quiet_now()
    NotificationPreference.objects.create(user=sleeper, quiet_start=start, quiet_end=end)

    tag = published(make_alert(commune=town.commune, location=home(5.004), category="tag"))
    deferred = Delivery.objects.get(alert=tag, recipient=sleeper)
    assert deferred.reason == "quiet_hours"
    assert deferred.send_after > timezone.now() + timedelta(minutes=50)
    assert timezone.localtime(deferred.send_after).time() == end

    fire = published(make_alert(commune=town.commune, location=home(5.004), category="incendie"))
    urgent = Delivery.objects.get(alert=fire, recipient=sleeper)
    assert urgent.reason == "" and urgent.send_after <= timezone.now()


def test_quiet_hours_overseas_are_those_of_the_island_not_of_paris(published):
    """Saint-Denis de La Réunion (97411) is 3 hours ahead of Paris in winter, 2 in summer: a quiet
    window around the island's present hour is not quiet in Paris, and must still hold."""
    reunion = ZoneInfo("Indian/Reunion")
    saint_denis = make_commune(code="97411", name="Saint-Denis", bounds=(55.44, -20.90, 55.46, -20.88))
    make_neighbourhood(commune=saint_denis, name="Centre", bounds=(55.44, -20.90, 55.46, -20.88))
    sleeper = make_resident(commune=saint_denis, home=Point(55.45, -20.89, srid=4326))
    local = timezone.localtime(timezone=reunion)
    start, end = ((local + timedelta(hours=h)).time().replace(microsecond=0) for h in (-1, 1))
    NotificationPreference.objects.create(user=sleeper, quiet_start=start, quiet_end=end)
    paris_now = timezone.localtime().time()
    assert not (start <= paris_now < end if start <= end else paris_now >= start or paris_now < end)

    alert = published(make_alert(commune=saint_denis, location=Point(55.451, -20.891, srid=4326), category="tag"))

    deferred = Delivery.objects.get(alert=alert, recipient=sleeper)
    assert deferred.reason == "quiet_hours"
    assert timezone.localtime(deferred.send_after, timezone=reunion).time() == end


def test_resident_without_external_channel_still_gets_the_inbox_item(town, published):
    inbox_only = resident_at(town, 5.005)
    NotificationPreference.objects.create(user=inbox_only, by_email=False)
    alert = published(make_alert(commune=town.commune, location=home(5.004), category="tag"))
    delivery = Delivery.objects.get(alert=alert, recipient=inbox_only)
    assert (delivery.status, delivery.reason, delivery.email_status) == ("skipped", "inbox_only", "skipped")
