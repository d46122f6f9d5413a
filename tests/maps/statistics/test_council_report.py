import io
import time

import pytest
from pypdf import PdfReader

from accounts.models import Role
from maps.statistics.council_report import council_report_state
from tests.auth import staff_client
from tests.factories import UserFactory, make_role
from tests.maps.statistics.test_apis import history  # noqa: F401 - fixture


@pytest.fixture
def mayor_user(town):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town)
    return user


def report_text(client, user, language: str) -> str:
    """Ask for the report as the dashboard's form does, wait for the worker to mark it ready (its
    readiness signal in the shared cache), download it and read its text back."""
    response = client.post(
        "/statistiques/99001/rapport/", {"family": "burglary", "from": "2025-01", "language": language}
    )
    assert response.status_code == 302
    report_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    deadline = time.monotonic() + 180
    while (state := council_report_state(report_id=report_id, user_id=user.id)["state"]) == "pending":
        assert time.monotonic() < deadline, "the worker never finished the report"
        time.sleep(0.2)
    assert state == "ready"
    download = client.get(response["Location"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def test_the_worker_lays_out_the_council_report_in_french_and_english(
    celery_worker,
    town,
    west,
    east,
    history,  # noqa: F811
    mayor_user,
):
    client = staff_client(mayor_user)
    french = report_text(client, mayor_user, "fr")
    assert "Rapport au conseil municipal : Testville" in french and "Période : 2025-01 à 2025-12" in french
    assert "En bref" in french and "dans toute la commune" in french and "pas pourquoi" in french
    assert "Ouest" in french and "Est" in french and "Carte des zones" in french and "Méthode et limites" in french
    assert "Taux par zone (pour 1 000 par an)" in french  # the map's legend

    english = report_text(client, mayor_user, "en")
    assert "Report to the municipal council: Testville" in english and "In short" in english
    assert "Method and limits" in english and "Méthode" not in english


def test_a_report_belongs_to_who_asked_for_it(town, west, mayor_user):
    from maps.statistics.council_report import council_report_mark

    council_report_mark(report_id="abc123", user_id=mayor_user.id, state="ready", pdf=b"%PDF", filename="r.pdf")
    other = UserFactory()
    make_role(user=other, kind=Role.Kind.MAYOR, commune=town)
    assert staff_client(other).get("/statistiques/99001/rapport/abc123/").status_code == 404
    assert staff_client(mayor_user).get("/statistiques/99001/rapport/abc123/").status_code == 200
    assert staff_client(mayor_user).get("/statistiques/99001/rapport/").status_code == 405


def test_the_report_html_holds_the_summary_the_map_and_its_legend(town, west, east, history, mayor_user):  # noqa: F811
    from django.utils import timezone

    from maps.statistics import dashboard
    from maps.statistics.council_report import council_report_html

    query = dashboard.dashboard_query(mayor_user, {"family": "burglary", "from": "2025-01"}, "99001")
    html = council_report_html(query=query, today=timezone.localdate())
    assert 'class="zone-map"' in html and ">Ouest</text>" in html and 'class="scale"' in html
    assert "Taux par zone (pour 1 000 par an)" in html and "dans toute la commune" in html
