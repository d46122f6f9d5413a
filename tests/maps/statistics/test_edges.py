import pytest

from tests.auth import staff_client

PATHS = (
    "/api/statistics/zones/",
    "/api/statistics/before-after/",
    "/api/statistics/heatmap/",
    "/api/statistics/hexagons/",
)


@pytest.mark.parametrize(
    "params",
    [
        {"date": "0001-01-01"},
        {"date": "9999-12-31"},
        {"bandwidth": "nan"},
        {"hexagon": "inf"},
        {"source": "police-uk", "kind": "police_sector"},
        {"comparison": "999999,1"},
        {"from": "2000-01", "to": "2009-12"},
        {"months": "36", "date": "2026-10-15"},
    ],
)
def test_odd_filters_never_fail_the_server(admin_user, town, west, east, params):
    client = staff_client(admin_user)
    for path in PATHS:
        response = client.get(path, {"commune": "99001", **params})
        assert response.status_code in (200, 400), (path, response.status_code)
