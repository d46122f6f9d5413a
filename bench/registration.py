"""Registration answers in the same time for a known address and a new one (account enumeration).

Posts the registration API alternately with an address that has an account and with new ones,
through Django's request handling in this process, with the production password hasher (PBKDF2)
and the registration email queued to the real Redis broker on commit, as in production. Prints the
median and p95 of each, their ratio, and the floor: one password hash alone. The accounts it
creates are deleted at the end, and the tasks it queued are taken back off the broker.

    .venv/bin/python bench/registration.py [--rounds 40]
"""

import argparse
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
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from config.celery import app as celery_app  # noqa: E402

PASSWORD = "un mot de passe solide 2026"  # noqa: S105 - a bench account, deleted at the end
PREFIX = "bench-registration-"


def timed_post(client: Client, email: str) -> float:
    started = time.perf_counter()
    response = client.post("/api/accounts/register/", {"email": email, "password": PASSWORD})
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.content
    return elapsed * 1000


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{name:<22} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    print(f"hasher: {settings.PASSWORD_HASHERS[0]}; load average {os.getloadavg()[0]:.1f}")
    known = f"{PREFIX}known-{uuid.uuid4().hex[:8]}@example.org"
    User.objects.create_user(email=known, password=PASSWORD)
    client = Client(HTTP_HOST="127.0.0.1")
    known_ms, new_ms, hash_ms = [], [], []
    try:
        timed_post(client, known)  # warm-up: imports, connections
        for _ in range(args.rounds):
            known_ms.append(timed_post(client, known))
            new_ms.append(timed_post(client, f"{PREFIX}{uuid.uuid4().hex}@example.org"))
            started = time.perf_counter()
            make_password(PASSWORD)
            hash_ms.append((time.perf_counter() - started) * 1000)
    finally:
        User.objects.filter(email__startswith=PREFIX).delete()
        celery_app.control.purge()
    print(summary("known address", known_ms))
    print(summary("new address", new_ms))
    print(summary("floor: one hash", hash_ms))
    ratio = statistics.median(new_ms) / statistics.median(known_ms)
    print(f"median new / known: {ratio:.2f}  (1.00 = indistinguishable; before the change: 1-2 s vs 45-84 ms)")
    print(f"median known / floor: {statistics.median(known_ms) / statistics.median(hash_ms):.2f}")


if __name__ == "__main__":
    main()
