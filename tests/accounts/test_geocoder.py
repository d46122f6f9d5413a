"""The geocoder API over the offline address index: suggestions, the address near a point, limits."""

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings

from addresses.importing import addresses_import
from tests.accounts.conftest import resident
from tests.addresses.conftest import write_national
from tests.auth import resident_client


@pytest.fixture
def person(world, tmp_path):
    addresses_import(path=write_national(tmp_path / "adresses-13.csv.gz"), commit=True)
    return resident(world.commune_a, Point(5.001, 43.001, srid=4326), charter=True)


def test_a_misspelt_address_is_suggested_with_its_point(person):
    response = resident_client(person).get("/api/geocoder/", {"q": "12 rue des hales tarascon"})

    assert response.status_code == 200
    assert response.json()[0] == {"label": "12 Rue des Halles, 13150 Tarascon", "lon": 4.6612, "lat": 43.806}


def test_a_clicked_point_is_described_in_general_words(person):
    client = resident_client(person)

    assert client.get("/api/geocoder/near/", {"lon": 4.66121, "lat": 43.80605}).json() == {
        "near": "près du 12 rue des Halles, Tarascon"
    }
    assert client.get("/api/geocoder/near/", {"lon": 4.7, "lat": 43.8}).json() == {"near": None}
    refused = client.get("/api/geocoder/near/", {"lon": "x", "lat": 43.8})
    assert refused.status_code == 400 and "lon" in refused.json()


def test_suggestions_are_throttled_per_person(person):
    client = resident_client(person)
    with override_settings(ACCOUNTS_GEOCODER_THROTTLE_RATE="3/minute"):
        answers = [client.get("/api/geocoder/", {"q": f"rue des halles {n}"}).status_code for n in range(4)]

    assert answers == [200, 200, 200, 429]
