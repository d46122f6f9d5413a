"""The maps and the pages around alerts in English: category names come from the catalogue, not
from the French rows the migrations seeded."""

import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from accounts.selectors import charter_current
from alerts.models import AlertCategory
from tests.alerts.conftest import accept
from tests.auth import resident_client, staff_client
from tests.maps.live.helpers import publish

pytestmark = pytest.mark.django_db

SEEDED_FRENCH = ["Cambriolage", "Dégradation", "Démarchage suspect", "Véhicule suspect", "Danger sur la voie"]
HOME = Point(5.005, 43.005, srid=4326)


def assert_english(page: str) -> None:
    assert "Burglary" in page
    for label in SEEDED_FRENCH:
        assert label not in page


def test_every_seeded_category_has_an_english_name(world):
    with translation.override("en"):
        labels = {c.code: c.display_label for c in AlertCategory.objects.all()}

    assert labels["cambriolage"] == "Burglary" and labels["tag"] == "Graffiti"
    assert [label for label in labels.values() if re.search("[éèêàçô]|Vol |suspect$", label)] == []


def test_the_police_live_map_lists_categories_in_english(world):
    publish(world=world, location=Point(5.015, 43.012, srid=4326))
    client = staff_client(world.agent)

    assert_english(client.get("/carte/police/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    features = client.get("/api/maps/police/alerts/", HTTP_ACCEPT_LANGUAGE="en").json()["features"]
    assert [f["properties"]["category_label"] for f in features] == ["Burglary"]


def test_a_resident_posts_and_reads_alerts_with_english_category_names(world):
    accept(world.resident, charter_current())
    publish(world=world, location=HOME, author=world.resident)
    client = resident_client(world.resident)

    assert_english(client.get("/alertes/nouvelle/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Burglary" in client.get("/alertes/mes-alertes/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Burglary" in client.get("/carte/quartier/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_french_stays_the_default(world):
    publish(world=world, location=Point(5.015, 43.012, srid=4326))

    page = staff_client(world.agent).get("/carte/police/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Cambriolage" in page and "Burglary" not in page


def test_a_category_an_admin_named_reads_as_typed(world):
    AlertCategory.objects.create(code="chien", label="Chien errant", family="other")

    with translation.override("en"):
        assert str(AlertCategory.objects.get(code="chien")) == "Chien errant"


def test_the_commune_map_names_its_layers_in_english(world):
    page = staff_client(world.mayor).get(f"/carte/commune/{world.commune.code}/", HTTP_ACCEPT_LANGUAGE="en")

    settings = json.loads(re.search(r'<script id="map-settings"[^>]*>(.*?)</script>', page.content.decode()).group(1))
    labels = settings["layerLabels"]
    assert labels == {"neighbourhoods": "Neighbourhoods", "sectors": "Police sectors", "alerts": "Alerts"}
