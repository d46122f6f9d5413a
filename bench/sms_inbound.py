"""Inbound SMS: from the provider's signed webhook to the pending alert committed, and its reply sent.

Posts signed webhooks (Vigie's own JSON, HMAC-SHA256) through Django's full request handling in
this process, against the database of `.env`: each one checks the signature, records the message
under its id, finds the verified sender, writes the pending alert at the centre of the home's grid
cell, commits, and hands the emergency reminder to the gateway (the console one, its log silenced:
a provider's HTTP call is not ours to time). Beside it, from the same run:
- the floor: one bare INSERT of an alert row, committed;
- what a resident with a smartphone uses instead: the posting API (POST /api/alerts/), logged in.
Senders are many residents of a bench commune (each under the hourly limit, as in life); the floor's
rows have no author, so they count against nobody's limit. Everything
it creates is deleted at the end.

    .venv/bin/python bench/sms_inbound.py [--rounds 300]
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import MultiPolygon, Point, Polygon  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Residence, User  # noqa: E402
from accounts.services import charter_accept, residence_neighbourhoods_refresh  # noqa: E402
from alerts.models import Alert, AlertCategory  # noqa: E402
from delivery.channels.sms import signature_of  # noqa: E402
from delivery.models import InboundSms, NotificationPreference  # noqa: E402
from zones.models import Commune  # noqa: E402
from zones.services import commune_upsert  # noqa: E402

CODE, PREFIX = "99990", "bench-sms-"
BOUNDS = (4.40, 44.40, 4.44, 44.44)
TEXT = "Deux personnes essaient d'ouvrir les portières des voitures garées rue des Écoles"


def bench_town(senders: int) -> tuple[Commune, list[User]]:
    x0, y0, x1, y1 = BOUNDS
    square = MultiPolygon(Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))), srid=4326)
    commune = commune_upsert(code=CODE, name="Banc-d'essai", boundary=square, adopted_on=timezone.localdate())
    people = []
    for index in range(senders):
        person = User.objects.create_user(email=f"{PREFIX}{index}@example.org", display_name=f"Habitant {index}")
        home = Point(x0 + 0.0001 * (index + 1), y0 + 0.0001 * (index % 300 + 1), srid=4326)
        Residence.objects.create(
            user=person, address="1 rue des Écoles", home=home, commune=commune, status=Residence.Status.VERIFIED
        )
        charter_accept(user=person)
        NotificationPreference.objects.create(
            user=person, by_sms=True, phone_number=f"+3361{index:07d}", phone_verified_at=timezone.now()
        )
        people.append(person)
    residence_neighbourhoods_refresh(
        residence_ids=list(Residence.objects.filter(commune=commune).values_list("id", flat=True))
    )
    return commune, people


def clean_up() -> None:
    InboundSms.objects.filter(provider_message_id__startswith=PREFIX).delete()
    Alert.objects.filter(commune__code=CODE).delete()
    User.objects.filter(email__startswith=PREFIX).delete()
    Commune.objects.filter(code=CODE).delete()


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def webhook(client: Client, phone: str) -> None:
    body = json.dumps({"id": PREFIX + uuid.uuid4().hex, "from": phone, "to": "+33700000000", "text": TEXT}).encode()
    response = client.post(
        "/sms/inbound/console/",
        data=body,
        content_type="application/json",
        headers={"X-Vigie-Signature": signature_of(body, settings.DELIVERY_SMS_INBOUND_SECRET)},
    )
    assert response.status_code == 200 and response.json()["already_received"] is False, response.content


def posting_api(client: Client, home: Point) -> None:
    data = {
        "lon": home.x,
        "lat": home.y,
        "occurred_at": timezone.now().isoformat(),
        "category": "vehicule-suspect",
        "description": TEXT,
        "emergency_notice_acknowledged": True,
    }
    response = client.post("/api/alerts/", data, content_type="application/json")
    assert response.status_code == 201, response.content


def bare_insert(commune: Commune, category_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO alerts_alert (author_id, category_id, commune_id, location, occurred_at, description,
                   status, follow_up, created_at)
               VALUES (NULL, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), now(), %s, 'pending', 'none', now())""",
            [category_id, commune.pk, BOUNDS[0] + 0.01, BOUNDS[1] + 0.01, TEXT],
        )


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{name:<34} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   (n={len(values)})"


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    settings.DELIVERY_SMS_INBOUND_SECRET = settings.DELIVERY_SMS_INBOUND_SECRET or "secret du banc d'essai"
    settings.ALERTS_SMS_GATEWAY = "delivery.channels.sms.ConsoleSmsGateway"
    logging.getLogger("delivery.channels.sms").setLevel(logging.WARNING)
    clean_up()
    senders = max(2, -(-2 * (args.rounds + 2) // max(1, settings.ALERTS_MAX_POSTS_PER_HOUR - 2)))
    commune, people = bench_town(senders)
    category_id = AlertCategory.objects.get(code="vehicule-suspect").pk
    provider, phones = Client(HTTP_HOST="127.0.0.1"), {}
    logged_in = {}
    for person in people:
        phones[person.pk] = person.notification_pref.phone_number
        logged_in[person.pk] = Client(HTTP_HOST="127.0.0.1")
        logged_in[person.pk].force_login(person)
    sms_ms, api_ms, floor_ms = [], [], []
    try:
        webhook(provider, phones[people[0].pk])  # warm-up: imports, connections, plans
        posting_api(logged_in[people[-1].pk], people[-1].residence.home)
        for index in range(args.rounds):
            person = people[index % len(people)]
            sms_ms.append(timed(lambda person=person: webhook(provider, phones[person.pk])))
            other = people[(index + len(people) // 2) % len(people)]
            api_ms.append(timed(lambda other=other: posting_api(logged_in[other.pk], other.residence.home)))
            floor_ms.append(timed(lambda: bare_insert(commune, category_id)))
        created = Alert.objects.filter(commune=commune, source="sms").count()
        assert created == args.rounds + 1, created
    finally:
        clean_up()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; nproc {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    print(f"{senders} senders, {args.rounds} inbound SMS, each a pending alert")
    print(summary("inbound SMS webhook -> alert", sms_ms))
    print(summary("posting API (smartphone)", api_ms))
    print(summary("floor: bare INSERT of an alert", floor_ms))
    med = statistics.median
    print(
        f"SMS / floor: median x{med(sms_ms) / med(floor_ms):.1f}, p95 x{p95(sms_ms) / p95(floor_ms):.1f}; "
        f"SMS / posting API: median x{med(sms_ms) / med(api_ms):.2f}, p95 x{p95(sms_ms) / p95(api_ms):.2f}"
    )


if __name__ == "__main__":
    main()
