"""Référents of the routed neighbourhoods are told first: their deliveries lead the first batch."""

import pytest

from delivery.models import Delivery
from delivery.sending import pending_delivery_ids
from tests.delivery.conftest import build_town, home, publish, resident_at
from tests.delivery.processes import wait_for
from tests.factories import make_alert, make_referent


def test_referents_deliveries_are_dispatched_before_their_neighbours(town, published):
    neighbours = [resident_at(town, 5.001 + 0.001 * n) for n in range(5)]
    referent = resident_at(town, 5.008)  # created last: the highest id, the last in plain order
    elsewhere_referent = resident_at(town, 5.009)
    make_referent(user=referent, neighbourhoods=[town.north])
    make_referent(user=elsewhere_referent, neighbourhoods=[town.south])  # Sud is not routed
    alert = published(make_alert(commune=town.commune, location=home(5.003), category="tag"))

    order = list(
        Delivery.objects.filter(id__in=pending_delivery_ids(kind="alert", message_id=alert.id)).values_list(
            "id", "recipient_id"
        )
    )
    ids = pending_delivery_ids(kind="alert", message_id=alert.id)
    recipients = dict(order)
    assert recipients[ids[0]] == referent.id
    assert {recipients[i] for i in ids[1:]} == {p.id for p in neighbours} | {elsewhere_referent.id}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_emails_the_referent_first(start_worker, sink):
    town = build_town()
    neighbours = [resident_at(town, 5.001 + 0.0005 * n) for n in range(12)]
    referent = resident_at(town, 5.008)
    make_referent(user=referent, neighbourhoods=[town.north])
    start_worker(smtp_port=sink.port, ALERTS_DELIVERY_BATCH_SIZE=4)

    publish(make_alert(commune=town.commune, category="tag", location=home(5.004)))

    wait_for(lambda: sink.count() == len(neighbours) + 1, what="every email of the alert")
    assert sink.messages[0]["To"] == referent.email
