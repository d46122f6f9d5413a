"""A home exactly on the border of two neighbourhoods is a resident of both (`ST_Covers`): an alert
routed to either one, a town hall message to either one, and the resident's own map all agree."""

import pytest
from shapely.geometry import box

from accounts.models import Residence
from accounts.services import residence_set
from delivery.broadcasts import broadcast_send
from delivery.models import Broadcast, Delivery
from delivery.routing import alert_deliveries_create
from maps.live.selectors import resident_alerts, resident_neighbourhoods
from tests.auth import resident_client
from tests.delivery.conftest import BORDER_LON, home, resident_at
from tests.factories import UserFactory, make_alert, make_neighbourhood
from tests.zones.conftest import write_layer
from zones.importing import zones_import
from zones.models import Zone

pytestmark = pytest.mark.django_db


def told(alert) -> set[int]:
    return set(Delivery.objects.filter(alert=alert, kind=Delivery.Kind.ALERT).values_list("recipient_id", flat=True))


def test_an_alert_routed_to_either_neighbourhood_reaches_the_home_on_their_border(town):
    on_border = resident_at(town, BORDER_LON)
    for zone in (town.north, town.south):
        alert = make_alert(commune=town.commune, location=home(5.005), status="published", category="degradation")
        alert_deliveries_create(alert=alert, neighbourhood_ids=[zone.id], police_service_ids=[])
        assert on_border.id in told(alert), zone.name


def test_a_home_inside_one_neighbourhood_is_not_told_of_the_other(town):
    north = resident_at(town, 5.005)
    alert = make_alert(commune=town.commune, location=home(5.015), status="published", category="degradation")
    alert_deliveries_create(alert=alert, neighbourhood_ids=[town.south.id], police_service_ids=[])
    assert north.id not in told(alert)


@pytest.mark.parametrize("chosen", ["north", "south"])
def test_a_message_to_one_chosen_neighbourhood_reaches_the_home_on_its_border(town, chosen):
    on_border = resident_at(town, BORDER_LON)
    inside_other = resident_at(town, 5.015 if chosen == "north" else 5.005)
    broadcast = broadcast_send(
        author=UserFactory(),
        commune=town.commune,
        kind="information",
        title="Travaux",
        body="Rue fermée.",
        target=Broadcast.Target.NEIGHBOURHOODS,
        neighbourhoods=[getattr(town, chosen)],
    )
    recipients = set(Delivery.objects.filter(broadcast=broadcast).values_list("recipient_id", flat=True))
    assert on_border.id in recipients
    assert inside_other.id not in recipients


def test_the_resident_map_of_a_border_home_shows_both_neighbourhoods_and_their_alerts(town):
    town.commune.adopted_on = "2025-01-01"
    town.commune.save()
    user = UserFactory()
    residence_set(user=user, address="1 rue de la Limite", home=home(BORDER_LON))
    Residence.objects.filter(user=user).update(status=Residence.Status.VERIFIED)
    residence = Residence.objects.get(user=user)
    in_north = make_alert(commune=town.commune, location=home(5.004), status="published")
    in_south = make_alert(commune=town.commune, location=home(5.016), status="published")

    assert {z.name for z in resident_neighbourhoods(residence)} == {"Nord", "Sud"}
    assert set(resident_alerts(residence).values_list("id", flat=True)) == {in_north.id, in_south.id}
    page = resident_client(user).get("/carte/quartier/")
    assert page.status_code == 200
    assert "Nord / Sud" in page.content.decode()


def test_when_the_border_moves_the_home_leaves_the_side_that_no_longer_covers_it(town, tmp_path):
    on_border = resident_at(town, BORDER_LON)
    residence = Residence.objects.get(user=on_border)
    assert set(residence.neighbourhoods.values_list("name", flat=True)) == {"Nord", "Sud"}
    path = write_layer(
        tmp_path / "q.geojson",
        [
            {"name": "Nord", "geometry": box(5.0, 43.0, 5.012, 43.02)},
            {"name": "Sud", "geometry": box(5.012, 43.0, 5.02, 43.02)},
        ],
    )

    zones_import(path=path, commune_code=town.commune.code, kind="neighbourhood", name_field="name", commit=True)

    assert list(residence.neighbourhoods.values_list("name", flat=True)) == ["Nord"]
    alert = make_alert(commune=town.commune, location=home(5.015), status="published", category="degradation")
    south = Zone.objects.current().get(commune=town.commune, name="Sud")
    alert_deliveries_create(alert=alert, neighbourhood_ids=[south.id], police_service_ids=[])
    assert on_border.id not in told(alert)


def test_a_neighbourhood_drawn_over_a_home_makes_it_a_resident_there_too(town):
    resident = resident_at(town, 5.005, 43.005)
    extra = make_neighbourhood(commune=town.commune, name="Centre", bounds=(5.004, 43.004, 5.006, 43.006))
    names = set(Residence.objects.get(user=resident).neighbourhoods.values_list("name", flat=True))
    assert names == {"Nord", "Centre"}
    assert extra.id in set(Residence.objects.get(user=resident).neighbourhoods.values_list("id", flat=True))
