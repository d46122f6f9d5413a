"""Sessions are read from the cache first and kept in the database: logging out still ends them
everywhere, and losing the cache signs nobody out."""

from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in_twice() -> tuple[Client, Client]:
    """Two clients holding the same session cookie, as a phone and a stolen copy of its cookie would."""
    first = Client()
    first.force_login(UserFactory())
    second = Client()
    second.cookies[settings.SESSION_COOKIE_NAME] = first.cookies[settings.SESSION_COOKIE_NAME].value
    return first, second


def test_a_signed_in_page_reads_its_session_without_the_database():
    client, _ = signed_in_twice()
    client.get("/messages/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/messages/").status_code == 200
    assert not [query for query in queries if "django_session" in query["sql"]]


def test_logging_out_ends_the_session_kept_in_the_cache():
    first, second = signed_in_twice()
    assert second.get("/messages/").status_code == 200
    assert first.post("/api/accounts/logout/").status_code == 204
    assert second.get("/messages/").status_code == 302


def test_a_session_the_cache_lost_is_read_again_from_the_database():
    client, _ = signed_in_twice()
    assert client.get("/messages/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cache.delete(import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).cache_key)
    assert client.get("/messages/").status_code == 200
