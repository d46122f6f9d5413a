import html

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from tests.auth import resident_client
from tests.factories import make_commune, make_resident

pytestmark = [pytest.mark.django_db]


def test_the_accessibility_statement_is_public_and_says_how_to_complain():
    page = html.unescape(Client().get("/accessibilite/").content.decode())
    assert "Déclaration d'accessibilité" in page and "RGAA" in page and "4.1" in page
    assert "partiellement conforme" in page and "Défenseur des droits" in page
    assert "mailto:accessibilite@vigie.localhost" in page
    assert 'href="/accessibilite/"' in Client().get("/").content.decode()  # linked from every page's footer


def test_the_language_menu_names_each_language_in_its_own_language_and_waits_for_its_button():
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    menu = page[page.index('id="lang-select"') : page.index("</form>", page.index('id="lang-select"'))]
    assert '<option value="fr" lang="fr">Français</option>' in menu
    assert '<option value="en" lang="en" selected>English</option>' in menu
    assert "data-submit-on-change" not in menu and '<button type="submit">Change language</button>' in menu


def test_a_signed_in_resident_on_a_staff_page_reads_access_refused_and_what_was_refused():
    resident = make_resident(commune=make_commune(), home=Point(5.01, 43.01, srid=4326))
    response = resident_client(resident).get("/moderation/")
    page = html.unescape(response.content.decode())
    assert response.status_code == 403 and "Accès refusé" in page
    assert "réservée au personnel" in page and "Page refusée : /moderation/" in page
    assert 'name="password"' not in page  # not a login form


def test_the_accessibility_statement_names_the_axe_core_release_the_browser_tests_run():
    import json

    from django.conf import settings

    pinned = json.loads((settings.BASE_DIR / "package.json").read_text())["devDependencies"]["axe-core"]
    page = html.unescape(Client().get("/accessibilite/").content.decode())
    assert f"axe-core {pinned}" in page
    assert "n'est pas encore intégré" not in page
