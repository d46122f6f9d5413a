"""Error pages: the site layout, the reason a page was refused, in the visitor's language; JSON
for the API; a 500 that needs nothing that may have broken."""

import pytest
from django.contrib.gis.geos import Point
from django.test import Client, RequestFactory
from django.utils import translation

from accounts.models import Residence
from config.errors import server_error
from tests.auth import resident_client
from tests.factories import make_commune, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting_verification():
    commune = make_commune()
    user = make_resident(commune=commune, home=Point(5.01, 43.01, srid=4326), status=Residence.Status.PENDING)
    return resident_client(user)


def test_a_resident_awaiting_verification_is_told_why_the_neighbourhood_map_is_refused(awaiting_verification):
    response = awaiting_verification.get("/carte/quartier/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Réservé aux habitants dont le justificatif de domicile a été vérifié." in page
    assert 'href="/compte/"' in page  # the site menu is there
    assert "Accès refusé" in page


def test_the_refusal_reads_in_english_for_an_english_visitor(awaiting_verification):
    response = awaiting_verification.get("/carte/quartier/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 403
    assert "Access denied" in page
    assert "whose proof of residence has been verified" in page
    assert "Réservé" not in page and "Accès" not in page


def test_a_missing_page_has_the_site_layout_and_does_not_leak_the_exception(client):
    response = client.get("/nulle-part/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and "Vigie" in page and 'href="/comptes/login/"' in page
    assert "urlconf" not in page.lower() and "Introuvable" not in page


def test_an_unknown_api_route_answers_json_not_a_page(client):
    response = client.get("/api/nulle-part/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Page not found."}


def test_a_bad_request_has_the_site_layout(client):
    response = Client().get("/", HTTP_HOST="ailleurs.example", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert 'href="/comptes/login/"' in response.content.decode()


def test_a_server_error_page_is_minimal_and_translated():
    request = RequestFactory().get("/carte/police/")
    with translation.override("en"):
        response = server_error(request)

    page = response.content.decode()
    assert response.status_code == 500
    assert "Server error" in page and "112" in page
    assert "/static/" not in page and "<form" not in page


def test_a_server_error_under_the_api_answers_json():
    with translation.override("en"):
        response = server_error(RequestFactory().get("/api/me/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
