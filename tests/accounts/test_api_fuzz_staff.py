"""The shared schema fuzz logs its admin in without a second factor, so staff-only handlers
answer 403 there. Here the operations of this part are fuzzed as an admin whose session passed
two-factor authentication, and as a verified resident: no input may cause a server error."""

import pytest
import schemathesis
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.test_schema_fuzz import api_schema  # noqa: F401 - the fixture is shared
from tests.auth import resident_client, staff_client

schema = schemathesis.pytest.from_fixture("api_schema")
OURS = r"^/api/(me|accounts|charter|geocoder|residences)/"


def session_headers(client) -> dict:
    csrf = _get_new_csrf_string()
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", "X-CSRFToken": csrf}


@pytest.fixture
def people_headers(world):
    return [
        session_headers(staff_client(world.people["admin"])),
        session_headers(resident_client(world.people["resident_a"])),
    ]


@schema.include(path_regex=OURS).exclude(path_regex=r"/(delete|logout)/$").parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_of_this_part_answers_with_a_server_error(case, people_headers):
    for headers in people_headers:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])
