"""Pages around accounts read in English: the charter says plainly that the French text is the
one in force, and the API's refusals are translated."""

import pytest
from django.contrib.gis.geos import Point

from accounts.models import CharterVersion, Residence
from tests.auth import resident_client
from tests.factories import make_commune, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter():
    return CharterVersion.objects.order_by("-version").first() or CharterVersion.objects.create(
        version=1, text="Informer, jamais intervenir ; n'accuser personne."
    )


def test_the_english_charter_page_says_the_french_text_is_the_one_in_force(client, charter):
    page = client.get("/charte/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "The charter in force is the French text below" in page
    assert '<div class="charter" lang="fr">' in page
    assert "Vigie charter (version" in page


def test_the_french_charter_page_has_no_note(client, charter):
    page = client.get("/charte/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'id="charter-language"' not in page


def test_the_neighbourhood_api_refuses_in_english():
    user = make_resident(commune=make_commune(), home=Point(5.01, 43.01, srid=4326), status=Residence.Status.PENDING)

    response = resident_client(user).get("/api/maps/neighbourhood/alerts/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json()["detail"] == "Restricted to residents whose proof of residence has been verified."
