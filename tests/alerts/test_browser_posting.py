"""The posting aids and appeals in a real browser (Debian's chromium): the author sees the
highlights before sending, "je l'ai vu aussi" counts once per resident, and an appeal reaches a
second moderator and not the one who refused."""

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from alerts import moderation
from alerts.models import Alert, AlertConfirmation
from tests.alerts.conftest import accept, staff
from tests.alerts.test_browser import log_in
from tests.auth import resident_client, staff_client
from tests.factories import make_alert, make_resident

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_tiles(settings):
    settings.MAPS_TILE_URL = ""


def test_the_author_sees_the_highlights_and_why_before_sending(browser_page, live_server, resident):
    log_in(browser_page, live_server, resident_client(resident))
    browser_page.goto(f"{live_server.url}/alertes/nouvelle/")
    browser_page.fill("#id_description", "Un homme basané a secoué la grille, appelez le 06 12 34 56 78.")
    browser_page.fill("#id_behaviour", "Kevin Moreau essayait les poignées.")
    panel = browser_page.locator("#surlignage-description")
    panel.locator("mark.aid-appearance").wait_for()
    assert panel.locator("mark.aid-appearance").inner_text() == "basané"
    assert panel.locator("mark.aid-phone").inner_text() == "06 12 34 56 78"
    assert "pas leur apparence" in panel.locator(".aid-reason-appearance").inner_text()
    browser_page.locator("#surlignage-behaviour mark.aid-name").wait_for()
    assert browser_page.locator("#surlignage-behaviour mark.aid-name").inner_text() == "Kevin Moreau"
    # Rewritten without the appearance word, its mark goes away.
    browser_page.fill("#id_description", "Un homme a secoué la grille du jardin plusieurs fois.")
    panel.wait_for(state="hidden")
    assert not Alert.objects.exists()  # all of it before anything was sent


def test_i_saw_it_too_adds_one_confirmation_once_per_resident(browser_page, live_server, resident, commune, charter):
    first_author = accept(make_resident(commune=commune, home=Point(5.012, 43.012, srid=4326)), charter)
    alert = make_alert(commune=commune, location=Point(5.01, 43.0105, srid=4326), author=first_author)
    log_in(browser_page, live_server, resident_client(resident))
    browser_page.goto(f"{live_server.url}/alertes/nouvelle/")
    browser_page.fill("#id_lon", "5.01")
    browser_page.fill("#id_lat", "43.01")
    nearby = browser_page.locator("#doublons-possibles")
    nearby.locator("button.seen-too").wait_for()
    text = nearby.inner_text()
    assert f"n° {alert.pk}" in text and first_author.email not in text and "43.0105" not in text
    with browser_page.expect_navigation():
        nearby.locator("button.seen-too").click()
    assert "vous avez confirmé" in browser_page.content()
    assert AlertConfirmation.objects.filter(alert=alert, resident=resident).count() == 1
    # Back on the form: already confirmed, no button to press twice.
    browser_page.goto(f"{live_server.url}/alertes/nouvelle/")
    browser_page.fill("#id_lon", "5.01")
    browser_page.fill("#id_lat", "43.01")
    nearby.locator(".confirmed").wait_for()
    assert nearby.locator("button.seen-too").count() == 0
    # A second try by hand (a stale page) is refused with a message, and still counts once.
    response = browser_page.request.post(
        f"{live_server.url}/api/alerts/{alert.pk}/confirmations/",
        headers={"X-CSRFToken": browser_page.evaluate("document.querySelector('[name=csrfmiddlewaretoken]').value")},
    )
    assert response.status == 409
    assert AlertConfirmation.objects.filter(alert=alert).count() == 1


def test_an_appeal_reaches_a_second_moderator_and_not_the_first(
    browser_page, live_server, resident, commune, moderator
):
    second = staff(Role.Kind.MODERATOR, commune=commune)
    alert = make_alert(commune=commune, location=Point(5.01, 43.01, srid=4326), author=resident)
    moderation.alert_reject(alert=alert, moderator=moderator, reason="not_enough_information")
    log_in(browser_page, live_server, resident_client(resident))
    browser_page.goto(f"{live_server.url}/alertes/mes-alertes/")
    browser_page.locator("details.appeal-form summary").click()
    browser_page.fill(f"#recours-{alert.pk}", "J'ai vu la scène de ma fenêtre, l'heure est exacte.")
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Envoyer le recours").click()
    assert "en attente d'un autre modérateur" in browser_page.inner_text("main")

    browser_page.context.clear_cookies()
    log_in(browser_page, live_server, staff_client(moderator))
    browser_page.goto(f"{live_server.url}/moderation/")
    assert browser_page.locator(".appeals").count() == 0

    browser_page.context.clear_cookies()
    log_in(browser_page, live_server, staff_client(second))
    browser_page.goto(f"{live_server.url}/moderation/")
    appeal = browser_page.locator(".appeals article.appeal")
    assert "l'heure est exacte" in appeal.inner_text()
    with browser_page.expect_navigation():
        appeal.get_by_role("button", name="Publier l'alerte").click()
    assert f"Recours sur l'alerte n° {alert.pk} : alerte publiée." in browser_page.inner_text("body")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PUBLISHED
