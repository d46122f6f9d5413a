"""Every open interface is throttled per client: tiles on their own budget (a map asks for many
at once), Open311, the OGC API and CAP on a shared one."""

import pytest
from django.test import Client


@pytest.mark.parametrize(
    "url",
    ["/open311/v2/services.json", "/ogc/collections", "/cap/99001.xml", "/tiles/communes.json"],
)
def test_the_third_request_in_a_minute_is_refused_past_a_limit_of_two(standards, settings, url):
    settings.STANDARDS_API_THROTTLE_RATE = "2/minute"
    client = Client()

    answers = [client.get(url).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_tiles_have_their_own_budget(standards, settings):
    settings.STANDARDS_API_THROTTLE_RATE = "1/minute"
    settings.STANDARDS_TILES_THROTTLE_RATE = "3/minute"
    client = Client()

    answers = [client.get(f"/tiles/communes/12/2104/{y}.pbf").status_code for y in (1495, 1496, 1497, 1498)]

    assert answers == [200, 200, 200, 429]


def test_open311_says_so_in_its_error_shape(standards, settings):
    settings.STANDARDS_API_THROTTLE_RATE = "1/minute"
    client = Client()
    client.get("/open311/v2/services.json")

    refused = client.get("/open311/v2/services.json")

    assert refused.status_code == 429 and refused.json()[0]["code"] == 429
    assert "Retry-After" in refused
