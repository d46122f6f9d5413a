"""A real uvicorn server on the test database, and Debian's Chromium driven by Playwright."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.maps.live.world import ensure_categories
from tests.workers import worker_env

BASE_DIR = Path(settings.BASE_DIR)
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Every Playwright wait and navigation, sized for a 2-core machine under a load average of 8 or more
# (page loads of several seconds are normal then). Tests wait for signals, never for a time; this
# is only how long before a missing signal counts as a failure.
BROWSER_TIMEOUT_MS = int(float(os.environ.get("TEST_BROWSER_TIMEOUT_S", "180")) * 1000)
# Starting uvicorn imports Django, GDAL and the whole project: tens of seconds when loaded.
SERVER_START_TIMEOUT_S = float(os.environ.get("TEST_SERVER_START_TIMEOUT_S", "180"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class UvicornServer:
    """`uvicorn config.asgi:application` in its own process group; `kill` cuts every connection
    at once (as a crash or a network cut would), `start` brings it back on the same port."""

    def __init__(self, static_root: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**worker_env(), "STATIC_ROOT": str(static_root), "MAPS_LIVE_HEARTBEAT_S": "5"}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = SERVER_START_TIMEOUT_S) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
            + ["--port", str(self.port), "--lifespan", "off", "--log-level", "warning"],
            cwd=BASE_DIR,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with status {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("uvicorn did not answer in time")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """Static files collected once, as in production: WhiteNoise serves them from STATIC_ROOT."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "STATIC_ROOT": str(root)},
        check=True,
    )
    return root


@pytest.fixture(scope="module")
def live_server_process(django_db_setup, django_db_blocker, static_root):
    server = UvicornServer(static_root)
    try:
        server.start()
        yield server
    finally:
        server.kill()


@pytest.fixture
def server(live_server_process):
    """The module's server, brought back if a test cut it."""
    if live_server_process.process.poll() is not None:
        live_server_process.start()
    return live_server_process


@pytest.fixture(scope="module")
def chromium():
    """Playwright's sync API keeps an event loop marked as running in this thread for as long as
    the browser lives; the ORM calls the tests (and the database teardown) make between browser
    steps are still plain synchronous code, so Django's async guard is lifted meanwhile."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(chromium, server):
    """open_page(client) -> a page whose browser carries the Django test client's session."""
    contexts = []

    def open_as(client, locale: str = "fr-FR", **options):
        """`options` go to the browser context (a phone's viewport, touch, permissions...)."""
        context = chromium.new_context(**{"locale": locale, "viewport": {"width": 1280, "height": 900}, **options})
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
        context.add_cookies(
            [
                {"name": name, "value": morsel.value, "url": server.url}
                for name, morsel in client.cookies.items()
                if name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def categories(transactional_db):
    ensure_categories()


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
