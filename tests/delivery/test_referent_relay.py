"""A référent relays a town hall message to their neighbourhoods: the residents who had not received
it get it, once, and nobody gets it twice (two référents of one neighbourhood, a second click)."""

import pytest
from django.utils import timezone

from accounts.models import AccessLog, Role
from delivery.broadcasts import broadcast_send
from delivery.models import Broadcast, BroadcastRelay, Delivery
from tests.auth import resident_client
from tests.delivery.conftest import home, resident_at
from tests.factories import UserFactory, make_commune, make_neighbourhood, make_referent, make_resident, make_role

pytestmark = pytest.mark.django_db


def receivers(broadcast) -> list[int]:
    return sorted(
        Delivery.objects.filter(broadcast=broadcast, kind="broadcast").values_list("recipient_id", flat=True)
    )


@pytest.fixture
def sent_to_south(town, django_capture_on_commit_callbacks):
    """A message the town hall sent to Sud only."""
    mayor = UserFactory()
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=town.commune)

    def send():
        with django_capture_on_commit_callbacks(execute=False):
            return broadcast_send(
                author=mayor,
                commune=town.commune,
                kind=Broadcast.Kind.INFORMATION,
                title="Collecte des encombrants",
                body="Jeudi matin.",
                target=Broadcast.Target.NEIGHBOURHOODS,
                neighbourhoods=[town.south],
            )

    return send


def test_relay_reaches_the_referents_neighbours_who_had_not_received_it_once(town, sent_to_south):
    north_people = [resident_at(town, 5.002 + 0.001 * n) for n in range(3)]
    south_person = resident_at(town, 5.015)
    border_person = resident_at(town, 5.01)  # on the border: in Nord and in Sud, already told
    referent = resident_at(town, 5.005)
    make_referent(user=referent, neighbourhoods=[town.north])
    broadcast = sent_to_south()
    assert receivers(broadcast) == sorted([south_person.id, border_person.id])

    response = resident_client(referent).post(f"/referent/messages/{broadcast.id}/relayer/")

    assert response.status_code == 302
    assert receivers(broadcast) == sorted([south_person.id, border_person.id, *(p.id for p in north_people)])
    relay = BroadcastRelay.objects.get()
    assert (relay.relayed_by, relay.recipients) == (referent, 3)
    broadcast.refresh_from_db()
    assert broadcast.recipients == 5
    log = AccessLog.objects.get(kind=AccessLog.Kind.REFERENT_RELAY)
    assert (log.viewer, log.object_id) == (referent, broadcast.id)

    # A second click, and a second référent of the same neighbourhood: nobody is told twice.
    again = resident_client(referent).post(f"/referent/messages/{broadcast.id}/relayer/", follow=True)
    assert "déjà relayé" in again.content.decode()
    other_referent = resident_at(town, 5.006)
    make_referent(user=other_referent, neighbourhoods=[town.north])
    resident_client(other_referent).post(f"/referent/messages/{broadcast.id}/relayer/")
    # The second référent's relay reaches only the first référent, left out of their own relay.
    assert receivers(broadcast) == sorted(
        [south_person.id, border_person.id, *(p.id for p in north_people), referent.id]
    )
    assert BroadcastRelay.objects.get(relayed_by=other_referent).recipients == 1
    assert Delivery.objects.filter(broadcast=broadcast).count() == len(set(receivers(broadcast)))


def test_a_withdrawn_message_or_another_communes_is_not_relayed(town, sent_to_south):
    referent = resident_at(town, 5.005)
    make_referent(user=referent, neighbourhoods=[town.north])
    withdrawn = sent_to_south()
    Broadcast.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    elsewhere = make_commune(code="99005", name="Ailleurs", bounds=(7.0, 44.0, 7.02, 44.02))
    make_neighbourhood(commune=elsewhere, name="Centre", bounds=(7.0, 44.0, 7.02, 44.02))
    foreign = Broadcast.objects.create(
        commune=elsewhere, kind="information", title="Ailleurs", body="Rien.", target="commune"
    )
    make_resident(commune=elsewhere, home=home(7.01, 44.01))
    client = resident_client(referent)

    for broadcast in (withdrawn, foreign):
        assert client.post(f"/referent/messages/{broadcast.id}/relayer/").status_code == 404
    page = client.get("/referent/messages/").content.decode()
    assert "Collecte" not in page and "Ailleurs" not in page
    assert not BroadcastRelay.objects.exists()
    assert not Delivery.objects.filter(broadcast=foreign).exists()


def test_a_resident_who_is_not_a_referent_cannot_relay(town, sent_to_south):
    resident = resident_at(town, 5.005)
    broadcast = sent_to_south()
    assert resident_client(resident).post(f"/referent/messages/{broadcast.id}/relayer/").status_code == 403
    assert receivers(broadcast) == []
