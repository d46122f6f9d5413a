"""Run by test_pooling.py in a process of its own whose DATABASE_URL is PgBouncer in transaction
mode (DATABASE_TRANSACTION_POOLING on, DATABASE_DIRECT_URL past it): several threads post, lock,
iterate and count through the pooler at once, and the live map's listener connection, which must
bypass it, hears an event committed through it. Prints what happened as JSON.

    python -m tests.config.pooling_scenario"""

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

import psycopg  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from alerts.models import Alert  # noqa: E402
from delivery.events import NOTIFY_CHANNEL, alert_event_record  # noqa: E402
from maps.live.listener import database_conninfo  # noqa: E402
from tests.factories import make_alert, make_commune  # noqa: E402
from zones.locking import boundaries_lock_for_routing  # noqa: E402
from zones.services import police_service_create  # noqa: E402

THREADS, ROUNDS = 6, 10


def work(commune, index: int) -> int:
    """Transactions of the kinds Vigie runs, each on whatever server connection the pooler gives."""
    done = 0
    try:
        for round_ in range(ROUNDS):
            with transaction.atomic():
                boundaries_lock_for_routing()  # transaction-level: released at commit, pooled or not
                make_alert(commune=commune, location=Point(5.001 + index / 1000, 43.001 + round_ / 1000))
            # A server-side cursor would outlive its transaction on a pooled connection.
            done += sum(1 for _ in Alert.objects.filter(commune=commune).only("id").iterator(chunk_size=5))
        return done
    finally:
        connection.close()


def main() -> None:
    commune = make_commune(code="99001", name="Mutualisée")
    service = police_service_create(name="PM mutualisée", communes=[commune])
    result = {"listen_port": int(conninfo_to_dict(database_conninfo())["port"])}

    with ThreadPoolExecutor(THREADS) as pool:
        iterated = list(pool.map(lambda index: work(commune, index), range(THREADS)))
    result["alerts"] = Alert.objects.filter(commune=commune).count()
    result["iterated"] = sum(iterated)

    heard = threading.Event()
    with psycopg.connect(database_conninfo(), autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        alert = make_alert(commune=commune, location=Point(5.01, 43.01), status="published")
        with transaction.atomic():
            alert_event_record(alert=alert, kind="published", police_service_ids=[service.id])
        for _ in listener.notifies(timeout=30, stop_after=1):
            heard.set()
    result["heard"] = heard.is_set()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
