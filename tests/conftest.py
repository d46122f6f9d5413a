import pytest
from django.db import connections
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
        from delivery import sending

        monkeypatch.setattr(
            sending, "deliveries_dispatch_enqueue", lambda *, kind, message_id: queued.append((kind, message_id))
        )
    return queued


@pytest.fixture(autouse=True)
def registration_emails(request, monkeypatch) -> list:
    """Outside tests with real workers, registration emails are sent at once, as the worker would,
    and what was queued is recorded."""
    queued: list = []
    if request.node.get_closest_marker("services") is None:
        from accounts import services

        def enqueue(*, user_id: int, existing: bool) -> None:
            queued.append(services.REGISTRATION_EMAIL_TASK)
            services.registration_email_send(user_id=user_id, existing=existing)

        monkeypatch.setattr(services, "registration_email_enqueue", enqueue)
    return queued


@pytest.fixture(autouse=True)
def photo_tasks(request, monkeypatch) -> list:
    """Outside tests with real workers, photo work queued on commit runs at commit in the test's
    process, as the worker would, and what was queued is recorded."""
    queued: list = []
    if request.node.get_closest_marker("services") is None:
        from django.db import transaction

        from alerts import photos

        def enqueue(task_name: str, **kwargs) -> None:
            queued.append((task_name, kwargs))
            run = {
                photos.PROCESS_TASK: photos.alert_photo_process,
                photos.DECISION_TASK: photos.alert_photos_after_decision,
            }
            transaction.on_commit(lambda: run[task_name](**kwargs))

        monkeypatch.setattr(photos, "_enqueue_on_commit", enqueue)
    return queued


# Rows that data migrations create and the product relies on: the alert categories and the first
# charter. Transactional tests flush every table when they end, these rows too.
REFERENCE_DATA_MIGRATIONS = [
    ("alerts.migrations.0002_categories", "create_categories"),
    ("accounts.migrations.0005_charter_first_version", "charter_seed"),
    ("alerts.migrations.0014_unqualified_category", "create"),
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Put the reference rows back before each transactional test (the others see them from the
    migrated test database, rolled back after each test)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


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


@pytest.fixture
def browser_page(monkeypatch):
    """A page of Debian's Chromium, for tests against Django's live_server."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            # A French browser, as the product's users have: the interface follows Accept-Language.
            from tests.browser.conftest import BROWSER_TIMEOUT_MS

            page = browser.new_page(locale="fr-FR")
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            page.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
            yield page
        finally:
            browser.close()
            # While the loop runs, Django keeps the ORM's connection in the loop's context, apart from
            # the test's own: close it here, or the test database cannot be dropped at the end.
            connections.close_all()
