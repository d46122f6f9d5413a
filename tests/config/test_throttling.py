"""API rate limits hold under parallel requests: counted by Redis itself, one atomic step each."""

import threading

import pytest
from django.db import connections
from django.test import Client
from rest_framework import throttling

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def parallel_statuses(make_client, url: str, *, requests: int, threads: int = 20) -> list[int]:
    """`requests` GETs from `threads` threads released at once, each with its own client."""
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(count: int):
        try:
            client = make_client()
            start.wait()
            for _ in range(count):
                status = client.get(url).status_code
                with lock:
                    statuses.append(status)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(requests // threads,)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


@pytest.fixture
def rates(settings, monkeypatch):
    """Set the API rates (DRF's own classes read them once, at import: set there too)."""

    def set_rates(**rates):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)

    return set_rates


def test_parallel_anonymous_requests_never_pass_the_limit(rates):
    rates(anon="60/minute", user=None)

    statuses = parallel_statuses(Client, "/api/emergency-notice/", requests=200)

    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) == 60


def test_parallel_requests_of_one_user_are_all_counted(rates):
    rates(anon=None, user="50/minute")
    user = UserFactory()

    def signed_in():
        client = Client()
        client.force_login(user)
        return client

    statuses = parallel_statuses(signed_in, "/api/me/", requests=100)

    assert statuses.count(200) == 50 and statuses.count(429) == 50


def test_a_refused_request_says_when_to_come_back(rates):
    rates(anon="2/minute", user=None)
    client = Client()

    statuses = [client.get("/api/emergency-notice/").status_code for _ in range(3)]
    refused = client.get("/api/emergency-notice/")

    assert statuses == [200, 200, 429]
    assert 1 <= int(refused["Retry-After"]) <= 60
