"""`make demo` runs with a secret of the machine's own and without Django's debug page."""

import os
import secrets
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import UvicornServer

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "secret-key.sh"


def run_script(env_file: Path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | env
    return subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), str(env_file)], env=environment, capture_output=True, text=True, check=True, timeout=60
    )


def secret_of(env_file: Path) -> list[str]:
    return [line.split("=", 1)[1] for line in env_file.read_text().splitlines() if line.startswith("SECRET_KEY=")]


def test_set_up_writes_a_random_secret_once_and_keeps_it(tmp_path):
    first, second = tmp_path / "first.env", tmp_path / "second.env"
    first.write_text("REDIS_URL=redis://127.0.0.1:6379/0\n")

    run_script(first)
    written = secret_of(first)
    run_script(first)
    run_script(second)

    assert len(written) == 1 and len(written[0]) >= 50
    assert secret_of(first) == written  # never overwritten
    assert secret_of(second) != written  # each machine its own
    assert "REDIS_URL=redis://127.0.0.1:6379/0" in first.read_text()
    assert first.stat().st_mode & 0o077 == 0


def test_set_up_keeps_a_secret_already_chosen(tmp_path):
    chosen, from_environment = tmp_path / "chosen.env", tmp_path / "environment.env"
    chosen.write_text("SECRET_KEY=mine\n")

    run_script(chosen)
    run_script(from_environment, SECRET_KEY="from-the-environment")

    assert secret_of(chosen) == ["mine"]
    assert secret_of(from_environment) == []


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker, tmp_path_factory):
    server = UvicornServer(tmp_path_factory.mktemp("static-empty"))
    server.env |= {"DJANGO_SETTINGS_MODULE": "config.settings.demo", "SECRET_KEY": secrets.token_urlsafe(50)}
    try:
        server.start()
        yield server
    finally:
        server.kill()


def fetch(url: str, *, method: str = "GET", data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, data=data)  # noqa: S310 - our own test server
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


DEBUG_PAGE_MARKS = ("DEBUG = True", "URLconf", "Traceback", "SECRET_KEY", "You’re seeing this error")


@pytest.mark.services
def test_the_demo_answers_unknown_urls_with_the_site_page_and_still_serves_static_files(demo_server):
    status, page = fetch(f"{demo_server.url}/nulle-part/")
    api_status, api = fetch(f"{demo_server.url}/api/alerts", method="POST", data=b"lon=1")
    css_status, css = fetch(f"{demo_server.url}/static/css/vigie.css")

    assert status == 404 and "Page introuvable" in page and '<a class="brand" href="/">Vigie</a>' in page
    assert api_status in (301, 403, 404) and api_status != 500
    for text in (page, api):
        assert not any(mark in text for mark in DEBUG_PAGE_MARKS)
    assert css_status == 200 and "{" in css


def test_make_demo_serves_with_the_demo_settings():
    serve = (Path(settings.BASE_DIR) / "scripts" / "serve.sh").read_text()
    assert "export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.demo}" in serve
