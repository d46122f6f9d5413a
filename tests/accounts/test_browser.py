"""The resident's onboarding pages in a real browser (Debian's chromium)."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connections

from accounts.models import ProofOfResidence, Residence
from tests.accounts.conftest import PDF, resident
from tests.auth import resident_client
from tests.factories import make_commune

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            yield browser.new_page(locale="fr-FR")
        finally:
            browser.close()
            connections.close_all()


def test_a_new_resident_sends_a_pdf_proof_from_the_page(browser_page, live_server, private_storage, tmp_path):
    commune = make_commune(adopted_on="2025-01-01")
    applicant = resident(commune, Point(5.01, 43.01, srid=4326), status=Residence.Status.PENDING)
    client = resident_client(applicant)
    browser_page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    scan = tmp_path / "facture.pdf"
    scan.write_bytes(PDF)

    browser_page.goto(f"{live_server.url}/compte/justificatif/")
    browser_page.set_input_files('input[type="file"]', str(scan))
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Envoyer").click()

    assert "Justificatif reçu" in browser_page.content()
    proof = ProofOfResidence.objects.get(residence__user=applicant)
    assert (proof.content_type, proof.outcome) == ("application/pdf", "")
