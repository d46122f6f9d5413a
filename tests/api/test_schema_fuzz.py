"""Fuzz every operation of the published OpenAPI schema and expect no server error.

Each operation is called twice per generated case: anonymously and as a logged-in platform
administrator (with a CSRF token), so both the refusal paths and the real handlers are exercised.
The test grows with the API: a new endpoint is fuzzed as soon as it is in the schema."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.auth import staff_client


@pytest.fixture
def api_schema(db):
    # Called through WSGI, Django would close the test's connection at the end of each request
    # (as it does in production); the test runs inside one transaction, so keep it open, as
    # Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def admin_headers(admin_user):
    client = staff_client(admin_user)
    csrf = _get_new_csrf_string()
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    return {"Cookie": cookie, "X-CSRFToken": csrf}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, admin_headers):
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(headers=admin_headers, checks=[not_a_server_error])
