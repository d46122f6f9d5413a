"""Every URL of the project, requested anonymously: only the explicit public list may answer;
the rest must refuse (401/403) or send to a login page. New endpoints are walked automatically."""

import pytest
from django.test import Client

from tests.accounts.urlwalk import LOGIN_PATHS, PUBLIC_URL_NAMES, endpoints, resolves_to_itself

PROTECTED = [endpoint for endpoint in endpoints() if endpoint.name not in PUBLIC_URL_NAMES]


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (301, 302) and response["Location"].startswith(LOGIN_PATHS)


def test_every_url_pattern_can_be_walked():
    assert all(resolves_to_itself(endpoint) for endpoint in endpoints())
    assert len(PROTECTED) > 40


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PROTECTED, ids=str)
def test_anonymous_visitors_are_refused(endpoint):
    client = Client()
    response = client.get(endpoint.url)
    if response.status_code == 405:
        response = client.post(endpoint.url)

    assert refused(response), f"{endpoint} answered {response.status_code} to an anonymous visitor"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC_URL_NAMES - {"admin:logout", "logout"}))
def test_public_pages_answer_anonymous_visitors(name):
    (endpoint,) = [endpoint for endpoint in endpoints() if endpoint.name == name]

    response = Client().get(endpoint.url)

    assert response.status_code != 500  # /healthz may say 503 when no worker runs
    assert not refused(response), f"{endpoint} is public but refused an anonymous visitor"
