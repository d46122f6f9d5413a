"""The geocoder API over the offline address index: suggestions, the address near a point, limits."""

import re

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.urls import reverse

from addresses.importing import addresses_import
from addresses.national_format import NationalAddress
from tests.accounts.conftest import resident
from tests.addresses.conftest import write_national
from tests.auth import resident_client, staff_client


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


def test_the_verifier_sees_the_distance_and_is_warned_past_150_m(world, tmp_path):
    nord = [
        NationalAddress("99001", "99100", "Alpha", "0001", "Rue du Nord", n, "", 5.005, 43.005 + n * 1e-4)
        for n in range(1, 6)
    ]
    addresses_import(path=write_national(tmp_path / "adresses-99.csv", nord), commit=True)
    residence = world.people["unverified"].residence
    residence.address = "3 rue du nor"
    residence.home = Point(5.0051, 43.0053, srid=4326)  # about 8 m from number 3
    residence.save()
    url = reverse("accounts-verification-detail", args=[residence.pk])
    client = staff_client(world.people["moderator_a"])

    close = client.get(url).content.decode()
    residence.home = Point(5.0100, 43.0053, srid=4326)  # about 407 m east of number 3
    residence.save()
    far = client.get(url).content.decode()

    assert "3 Rue du Nord, 99100 Alpha" in close and "8 m" in close
    assert 'id="address-check-warning"' not in close
    assert 'id="address-check-warning"' in far and "plus de 150 m" in far
    assert re.search(r"<dd>40[5-9] m</dd>", far)  # 0.005° of longitude at 43° N
