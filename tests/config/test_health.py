import pytest
from celery import Celery
from django.db import OperationalError

from config import health
from tests.auth import staff_client
from tests.factories import UserFactory

LEAKY = 'connection to server at "db.interne" (10.1.2.3), port 5432 failed: FATAL: role "vigie_prod" denied'


@pytest.mark.django_db
def test_healthz_reports_every_service_up(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "down": []}
    body = staff_client(UserFactory(is_staff=True)).get("/healthz").json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["checks"]["database"]["detail"].startswith("PostGIS 3")
    assert body["checks"]["redis"]["ok"] is True
    assert celery_worker.hostname in body["checks"]["celery"]["detail"]


@pytest.mark.django_db
def test_healthz_names_redis_and_celery_when_redis_is_unreachable(client, settings, monkeypatch):
    unreachable = "redis://127.0.0.1:1/0"
    settings.REDIS_URL = unreachable
    monkeypatch.setattr(health, "celery_app", Celery(broker=unreachable, set_as_current=False))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis", "celery"]


@pytest.mark.django_db
def test_healthz_names_celery_when_no_worker_listens(client, settings, monkeypatch):
    # A broker on a Redis database no worker consumes from: Redis answers, no worker does.
    idle_broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/14"
    monkeypatch.setattr(health, "celery_app", Celery(broker=idle_broker, set_as_current=False))
    monkeypatch.setattr(health, "CHECK_TIMEOUT_S", 0.5)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError(LEAKY)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "moderator"])
def test_healthz_tells_visitors_what_is_down_never_why(client, monkeypatch, caplog, who):
    monkeypatch.setattr(health, "connection", UnreachableDatabase())
    if who == "moderator":
        client = staff_client(UserFactory())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert set(response.json()) == {"status", "down"}
    assert "database" in response.json()["down"]
    assert "db.interne" not in response.content.decode()
    assert "db.interne" in caplog.text


@pytest.mark.django_db
def test_healthz_gives_the_details_to_a_platform_admin(monkeypatch):
    monkeypatch.setattr(health, "connection", UnreachableDatabase())

    body = staff_client(UserFactory(is_staff=True)).get("/healthz").json()

    assert "db.interne" in body["checks"]["database"]["detail"]
