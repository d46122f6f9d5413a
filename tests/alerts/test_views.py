import html
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from alerts.models import Alert
from tests.auth import resident_client, staff_client
from tests.factories import make_alert

pytestmark = pytest.mark.django_db

POST_PAGE = "/alertes/nouvelle/"


def form_data(**overrides):
    data = {
        "category": "degradation",
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "lon": "5.01",
        "lat": "43.01",
        "description": "Abribus vandalisé, vitres brisées.",
        "emergency_notice_acknowledged": "on",
    }
    data.update(overrides)
    return data


def test_the_posting_page_shows_the_reminder_before_the_form(resident_api):
    page = resident_api.get(POST_PAGE).content.decode()
    assert page.index("ne remplace pas les secours") < page.index(
        '<form method="post" enctype="multipart/form-data" novalidate data-outbox>'
    )
    assert 'type="checkbox" name="emergency_notice_acknowledged"' in page


def test_posting_without_ticking_the_reminder_is_refused(resident_api):
    data = form_data()
    del data["emergency_notice_acknowledged"]
    response = resident_api.post(POST_PAGE, data)
    page = response.content.decode()
    assert response.status_code == 400
    # The reminder stays on the page once; the error under the box says what to do.
    assert page.count("17 (police ou gendarmerie)") == 1
    box = page[page.index('name="emergency_notice_acknowledged"') : page.index('name="category"')]
    assert "Cochez la case pour confirmer que vous avez lu ce rappel." in box
    assert not Alert.objects.exists()


def test_a_posted_alert_appears_in_my_alerts_as_pending(resident_api, resident):
    response = resident_api.post(POST_PAGE, form_data())
    assert response.status_code == 302 and response["Location"] == "/alertes/mes-alertes/"
    page = resident_api.get("/alertes/mes-alertes/").content.decode()
    assert "en attente de modération" in page and "Abribus vandalisé" in page


def test_a_point_in_a_neighbouring_commune_that_has_not_joined_is_refused_on_the_page(resident_api, neighbour):
    response = resident_api.post(POST_PAGE, form_data(lon="5.021"))
    assert response.status_code == 400
    assert "aucune commune qui a rejoint Vigie" in html.unescape(response.content.decode())
    assert not Alert.objects.exists()


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_date_at_the_ends_of_the_calendar_is_refused_on_the_page(resident_api, occurred_at):
    response = resident_api.post(POST_PAGE, form_data(occurred_at=occurred_at))
    assert response.status_code == 400
    assert "années 1900 à 2100" in html.unescape(response.content.decode())
    assert not Alert.objects.exists()


def test_field_errors_are_shown_next_to_their_fields(resident_api):
    response = resident_api.post(POST_PAGE, form_data(lon="43.01", lat="5.01", description="", category=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "semblent inversées" in page and "Décrivez ce que vous avez vu." in page
    assert "Choisissez une catégorie." in page


def test_someone_without_a_verified_residence_is_told_why(commune, charter):
    from tests.factories import UserFactory

    response = resident_client(UserFactory()).get(POST_PAGE)
    assert response.status_code == 403
    assert "domicile est vérifié" in response.content.decode()


@pytest.fixture
def queued(commune, resident):
    now = timezone.now()
    first = make_alert(
        commune=commune,
        location=Point(5.01, 43.01, srid=4326),
        author=resident,
        description="Démarcheur agressif, il a laissé son numéro 06 12 34 56 78.",
        category="demarchage-suspect",
        occurred_at=now,
        created_at=now - timedelta(hours=2),
    )
    second = make_alert(
        commune=commune,
        location=Point(5.0105, 43.01, srid=4326),
        description="Un démarcheur insistant sonne à toutes les portes.",
        category="comportement-suspect",
        occurred_at=now,
    )
    return first, second


def test_the_queue_page_shows_age_highlights_duplicates_and_actions(moderator, queued):
    first, second = queued
    page = staff_client(moderator).get("/moderation/").content.decode()
    assert page.index(f"n° {first.pk}") < page.index(f"n° {second.pk}")
    assert "En attente depuis 2" in page
    assert '<mark class="aid aid-phone" title="numéro de téléphone ?">06 12 34 56 78' in page
    assert f"Fusionner dans n° {second.pk}" in page
    # Which number is the latitude is said, in the French decimal format.
    assert '<span class="coords">lat 43,01000 ; lon 5,01000</span>' in page
    for label in ("Publier", "Refuser", "Modifier puis publier"):
        assert label in page


def test_acting_from_the_page_and_losing_a_race_says_what_happened(moderator, queued):
    first, _ = queued
    client = staff_client(moderator)
    response = client.post(f"/moderation/alertes/{first.pk}/reject/", {"reason": "not_enough_information"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "rejected"
    response = client.post(f"/moderation/alertes/{first.pk}/publish/", follow=True)
    assert "déjà été traitée : refusée" in response.content.decode()


def test_redacting_from_the_page_keeps_the_original_for_restore(moderator, queued):
    first, _ = queued
    client = staff_client(moderator)
    client.post(f"/moderation/alertes/{first.pk}/redact/", {"description": "Démarcheur agressif (numéro retiré)."})
    page = client.get("/moderation/").content.decode()
    assert "Restaurer le texte d'origine" in page and "06 12 34 56 78" in page
    client.post(f"/moderation/alertes/{first.pk}/restore/")
    first.refresh_from_db()
    assert "06 12 34 56 78" in first.description and first.status == "published"


def test_the_queue_page_is_not_for_others(neighbour_moderator, moderator, police_agent, queued):
    assert staff_client(police_agent).get("/moderation/").status_code == 404
    first, _ = queued
    response = staff_client(neighbour_moderator).post(f"/moderation/alertes/{first.pk}/publish/")
    assert response.status_code == 404
    # Without the second factor, the moderator is sent to log in again.
    assert resident_client(moderator).get("/moderation/").status_code == 302


def test_the_queue_page_reads_in_english(moderator, queued):
    first, second = queued
    page = staff_client(moderator).get("/moderation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"No. {first.pk} · Suspicious door-to-door caller" in page
    assert f"No. {second.pk} (" in page  # the duplicate suggestion
    assert "n° " not in page and "Démarchage suspect" not in page and "Comportement suspect" not in page


def test_coordinates_typed_with_a_decimal_comma_are_accepted(resident_api, commune):
    response = resident_api.post(POST_PAGE, form_data(lon="5,01", lat="43,01"))
    assert response.status_code == 302, response.content.decode()
    alert = Alert.objects.get()
    assert (alert.location.x, alert.location.y) == (5.01, 43.01)


def test_both_coordinate_fields_report_their_own_error(resident_api):
    response = resident_api.post(POST_PAGE, form_data(lon="cinq", lat="nord"))
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "« cinq » n'est pas un nombre." in page and "« nord » n'est pas un nombre." in page
    assert page.count('class="field has-error"') == 2
