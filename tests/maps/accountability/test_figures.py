import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from alerts.models import AlertTransition
from delivery.models import Broadcast, Delivery
from tests.factories import make_alert, make_commune, make_resident

pytestmark = [pytest.mark.django_db]

PARIS = ZoneInfo("Europe/Paris")
HERE = Point(5.01, 43.01, srid=4326)


def at(month: int, day: int = 10, hour: int = 9) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=PARIS)


@pytest.fixture
def town():
    return make_commune(adopted_on=dt.date(2025, 1, 1))


@pytest.fixture
def author(town):
    return make_resident(commune=town, home=HERE)


def alerts(town, author, n, *, month, status, hours=2, **kwargs):
    made = []
    for i in range(n):
        received = at(month, day=1 + i % 27)
        published = received + dt.timedelta(hours=hours) if status == "published" else None
        made.append(
            make_alert(
                commune=town, location=HERE, author=author, status=status, created_at=received,
                published_at=published, description=f"Texte privé {i} de Jean Dupont", **kwargs,
            )
        )  # fmt: skip
    return made


@pytest.fixture
def march(town, author):
    """March 2025: 20 published (2 h each), 8 refused as duplicates, 2 refused for lack of information
    (a lone hidden part), 6 merged, 1 pending (a lone hidden part); 12 of the published were taken into
    account by the police."""
    published = alerts(town, author, 20, month=3, status="published")
    alerts(town, author, 8, month=3, status="rejected", rejection_reason="duplicate")
    alerts(town, author, 2, month=3, status="rejected", rejection_reason="not_enough_information")
    alerts(town, author, 6, month=3, status="merged")
    alerts(town, author, 1, month=3, status="pending")
    for alert in published[:12]:
        AlertTransition.objects.create(
            alert=alert, field="follow_up", from_state="none", to_state="acknowledged", created_at=at(3, 20)
        )
    broadcast = Broadcast.objects.create(
        commune=town, kind="information", title="Travaux", body="Rue fermée.", target="commune", created_at=at(3)
    )
    for _ in range(9):
        resident = make_resident(commune=town, home=HERE)
        Delivery.objects.create(
            recipient=resident, kind="broadcast", broadcast=broadcast, status="sent", email_status="sent",
            created_at=at(3),
        )  # fmt: skip
    return published


def account(client, code="99001", **params):
    response = client.get(f"/compte-public/{code}/compte.json", {"annee": "2025", **params})
    assert response.status_code == 200, response.content
    return {(f["period"], f["section"], f["measure"]): f for f in response.json()["figures"]}


def test_the_public_account_counts_moderation_follow_up_and_messages_by_month_and_year(town, march):
    figures = account(Client())
    received = figures[("2025-03", "alerts", "received")]
    assert received["status"] == "published" and abs(received["value"] - 37) <= 2
    assert abs(figures[("2025-03", "alerts", "published")]["value"] - 20) <= 2
    assert abs(figures[("2025-03", "alerts", "rejected:duplicate")]["value"] - 8) <= 2
    assert figures[("2025-03", "moderation", "hours_to_publication_median")]["value"] == 2.0
    assert figures[("2025-03", "moderation", "hours_to_publication_p90")]["value"] == 2.0
    assert abs(figures[("2025-03", "follow_up", "acknowledged")]["value"] - 12) <= 2
    assert abs(figures[("2025-03", "deliveries", "email")]["value"] - 9) <= 2
    assert figures[("2025-03", "town_hall", "sent")]["status"] == "under_5"  # one message
    assert abs(figures[("2025", "alerts", "received")]["value"] - 37) <= 2  # the year
    assert figures[("2025-04", "alerts", "received")] == {
        "period": "2025-04", "section": "alerts", "measure": "received", "value": None, "status": "under_5"
    }  # fmt: skip


def test_no_count_under_5_and_no_lone_hidden_part_reach_an_anonymous_visitor(town, march):
    figures = account(Client())
    for figure in figures.values():
        if figure["section"] != "moderation" and figure["value"] is not None:
            assert figure["value"] >= 5, figure
    # Outcomes of March: pending (1) alone would be hidden, so the smallest other part (merged, 6) is hidden too.
    outcomes = {m: figures[("2025-03", "alerts", m)]["status"] for m in ("published", "rejected", "merged", "pending")}
    assert outcomes == {
        "published": "published",
        "rejected": "published",
        "merged": "suppressed",
        "pending": "under_5",
    }
    # Reasons of refusal: "not enough information" (2) is hidden, and so is the smallest other reason shown.
    reasons = [f for (p, s, m), f in figures.items() if p == "2025-03" and m.startswith("rejected:")]
    assert (
        sum(f["status"] == "published" for f in reasons) == 0 or sum(f["status"] != "published" for f in reasons) >= 2
    )


def test_the_public_page_and_files_hold_no_personal_data(town, march, author):
    client = Client()
    page = client.get("/compte-public/99001/", {"annee": "2025"})
    csv_response = client.get("/compte-public/99001/compte.csv", {"annee": "2025"})
    json_response = client.get("/compte-public/99001/compte.json", {"annee": "2025"})
    assert page.status_code == 200 and "Compte public de Testville, 2025" in page.content.decode()
    for text in (page.content.decode(), csv_response.content.decode(), json_response.content.decode()):
        assert "Jean Dupont" not in text and "Texte privé" not in text and author.email not in text
        assert "5.01" not in text and "43.01" not in text  # no location
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert {r["status"] for r in rows} <= {"published", "under_5", "suppressed", "too_few"}
    assert all(r["value"] == "" or float(r["value"]) >= 0 for r in rows)
    assert json.loads(json_response.content)["commune"] == {"code": "99001", "name": "Testville"}


def test_a_commune_that_has_not_joined_has_no_account_and_a_bad_year_is_400(town):
    make_commune(code="99002", name="Ailleurs", bounds=(6, 44, 6.02, 44.02))
    assert Client().get("/compte-public/99002/").status_code == 404
    response = Client().get("/compte-public/99001/", {"annee": "1990"})
    assert response.status_code == 400 and "choisissez une année" in response.content.decode()


def test_appeals_and_their_outcomes_are_counted_with_the_small_number_protection(town, author):
    """March: 9 refused alerts appealed, 6 refusals upheld, 3 published on appeal (too few to show)."""
    refused = alerts(town, author, 9, month=3, status="rejected", rejection_reason="duplicate")
    for i, alert in enumerate(refused):
        AlertTransition.objects.create(alert=alert, field="appeal", to_state="filed", created_at=at(3, 12))
        outcome = "upheld" if i < 6 else "published"
        AlertTransition.objects.create(
            alert=alert, field="appeal", from_state="filed", to_state=outcome, created_at=at(3, 14)
        )
    figures = account(Client())
    assert abs(figures[("2025-03", "appeals", "appeals_filed")]["value"] - 9) <= 2
    assert abs(figures[("2025-03", "appeals", "appeals_upheld")]["value"] - 6) <= 2
    assert figures[("2025-03", "appeals", "appeals_published")] == {
        "period": "2025-03", "section": "appeals", "measure": "appeals_published", "value": None, "status": "under_5"
    }  # fmt: skip
    page = Client().get("/compte-public/99001/", {"annee": "2025"}).content.decode()
    assert "Recours des auteurs contre un refus" in page and "alertes publiées après recours" in page
