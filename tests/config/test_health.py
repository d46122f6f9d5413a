import pytest
from celery import Celery

from config import health


def test_healthz_reports_every_service_up(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
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
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_names_celery_when_no_worker_listens(client, settings, monkeypatch):
    # A broker on a Redis database no worker consumes from: Redis answers, no worker does.
    idle_broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/14"
    monkeypatch.setattr(health, "celery_app", Celery(broker=idle_broker, set_as_current=False))
    monkeypatch.setattr(health, "CHECK_TIMEOUT_S", 0.5)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]
