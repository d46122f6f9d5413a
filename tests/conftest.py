import pytest
from django.test import Client

from accounts.models import User


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and rate limits live in the Redis cache; each test starts with a clean slate."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _queued_dispatches(request, monkeypatch) -> list:
    """Outside tests with real workers, record what would be queued instead of leaving tasks in the
    test Redis for a later worker to find."""
    queued: list = []
    if request.node.get_closest_marker("services") is None:
        from alerts import delivery

        monkeypatch.setattr(
            delivery, "deliveries_dispatch_enqueue", lambda *, kind, message_id: queued.append((kind, message_id))
        )
    return queued


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(email="admin@example.org", password="correct horse battery")


@pytest.fixture
def admin_client(admin_user) -> Client:
    """The platform administrator, logged in with a verified second factor."""
    from tests.auth import staff_client

    return staff_client(admin_user)


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker process on the test database and the test Redis database."""
    from tests.workers import WorkerProcess

    worker = WorkerProcess()
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
