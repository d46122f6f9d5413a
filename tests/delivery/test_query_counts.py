"""How many queries publishing and posting an alert take, whole requests included (session, second
factor, territory checks), so a change that reads the same rows again fails here. Publishing is
counted from the moderator's request to the deliveries committed (routing runs on commit);
posting from the resident's request to the pending alert saved. Figures in bench/RESULTS.md."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import CharterAcceptance, Role
from accounts.selectors import charter_current
from alerts.models import Alert
from delivery.models import Broadcast, Delivery
from tests.auth import resident_client, staff_client
from tests.delivery.conftest import home, resident_at
from tests.factories import UserFactory, make_alert, make_role

pytestmark = pytest.mark.django_db

# 42 and 29 before delivery had its own app (posting 27 after it, 24 once the home is read once);
# see bench/RESULTS.md. Publishing: 34, and one more since routing takes the boundaries lock
# (zones/locking.py) so a re-import cannot commit between reading the zones and their homes; three
# more (the alert's row locked in a savepoint) since its author is told of the decision; one to
# find photos left to clean up, and one for the count of neighbours' confirmations the answer gives.
# Two more: each audience insert (the alert's, the near-repeat notices') turns JIT off first.
# Eight more since routing commits the police services' events in a transaction of its own before
# the residents' deliveries, so the live maps hear of the alert first: that transaction's boundaries
# lock, the alert's row, whether it is routed or its events recorded, the sectors near it, and in the
# second transaction the services already told. None depends on the number of recipients.
PUBLISH_QUERIES = 50
POST_QUERIES = 24


def test_publishing_an_alert_takes_a_bounded_number_of_queries_whatever_the_recipients(
    town, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for lon in (5.002, 5.004, 5.006, 5.015):
        resident_at(town, lon)
    moderator = UserFactory()
    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=town.commune)
    api = staff_client(moderator)
    alert = make_alert(commune=town.commune, location=home(5.005))
    with django_assert_max_num_queries(PUBLISH_QUERIES), django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/moderation/alerts/{alert.id}/publish/")
    assert response.status_code == 200, response.content
    # Counted with the whole fan-out done: the Nord residents and the near-repeat neighbours.
    assert Delivery.objects.filter(alert=alert, kind=Delivery.Kind.ALERT).count() == 3


def burglary_posting() -> dict:
    return {
        "lon": 5.003,
        "lat": 43.01,
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "category": "cambriolage",
        "description": "Porte d'entrée fracturée, constatée ce matin.",
        "emergency_notice_acknowledged": True,
    }


def test_posting_an_alert_takes_a_bounded_number_of_queries(town, django_assert_max_num_queries):
    resident = resident_at(town, 5.002)
    CharterAcceptance.objects.create(user=resident, charter=charter_current())
    api = resident_client(resident)
    payload = burglary_posting()
    with django_assert_max_num_queries(POST_QUERIES):
        response = api.post("/api/alerts/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Alert.objects.get(pk=response.json()["id"]).status == Alert.Status.PENDING


def test_posting_an_alert_reads_the_authors_home_once(town):
    """The home that decides whether one may post is the home every field is checked against."""
    resident = resident_at(town, 5.002)
    CharterAcceptance.objects.create(user=resident, charter=charter_current())
    api = resident_client(resident)
    payload = burglary_posting()
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/alerts/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    # The request's clock also looks up the commune of the home (its time zone), not the home itself.
    home_reads = [q["sql"] for q in queries.captured_queries if '"accounts_residence"."home"' in q["sql"]]
    assert len(home_reads) == 1, home_reads


def inbox_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/messages/")
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_inbox_page_reads_as_many_rows_for_twenty_alerts_as_for_two(town):
    """The page's messages name the neighbourhoods of their alerts: read for the whole page at once."""
    resident = resident_at(town, 5.002)
    client = resident_client(resident)
    for n in range(20):
        alert = make_alert(commune=town.commune, location=home(5.003), status="published")
        Delivery.objects.create(recipient=resident, kind=Delivery.Kind.ALERT, alert=alert)
        if n == 1:
            client.get("/messages/")  # the session's first page also works out its time zone
            with_two = inbox_page_queries(client)

    assert inbox_page_queries(client) == with_two
    assert client.get("/messages/").content.decode().count("Cambriolage à Testville") == 20


def test_the_inbox_page_reads_as_many_rows_for_twenty_town_hall_messages_and_notices_as_for_two(town):
    """Town hall messages (one withdrawn) and prevention notices say what they say from the page's one
    query of deliveries: none of them reads a column of its own afterwards."""
    resident = resident_at(town, 5.002)
    client = resident_client(resident)
    for n in range(10):
        broadcast = Broadcast.objects.create(
            commune=town.commune, kind="information", title=f"Travaux rue {n}", body="x", target="commune"
        )
        if n == 0:
            broadcast.withdrawn_at = timezone.now()
            broadcast.save()
        burglary = make_alert(commune=town.commune, location=home(5.003), status="published")
        Delivery.objects.create(recipient=resident, kind=Delivery.Kind.BROADCAST, broadcast=broadcast)
        Delivery.objects.create(recipient=resident, kind=Delivery.Kind.NEAR_REPEAT, alert=burglary)
        if n == 0:
            client.get("/messages/")  # the session's first page also works out its time zone
            with_two = inbox_page_queries(client)

    assert inbox_page_queries(client) == with_two
    page = client.get("/messages/").content.decode()
    assert page.count("Travaux rue") == 10 and "Message retiré : Travaux rue 0" in page
    assert page.count("Cambriolage signalé près de chez vous") == 10
