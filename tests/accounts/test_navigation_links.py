"""The navigation's links are rendered once per process for each navigation and language: a person
must still get their own links, in their own language, on the very next page."""

import re

import pytest
from django.conf import settings

from accounts.models import Role
from tests.auth import resident_client, staff_client
from tests.factories import make_role

pytestmark = pytest.mark.django_db


def nav(page: str) -> str:
    """The navigation, its CSRF token (masked afresh on every page) left out."""
    links = re.search(r'<nav aria-label="[^"]+">(.*?)</nav>', page, re.S).group(1)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", links)


def test_the_links_follow_the_language_of_each_page(world):
    client = resident_client(world.people["resident_a"])

    french = nav(client.get("/compte/").content.decode())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = nav(client.get("/compte/").content.decode())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french_again = nav(client.get("/compte/").content.decode())

    assert "Mon quartier" in french and "My neighbourhood" not in french
    assert "My neighbourhood" in english and "Mon quartier" not in english
    assert french_again == french


def test_two_people_with_the_same_roles_share_links_and_a_town_hall_role_adds_its_commune(world):
    first, second = world.people["resident_a"], world.people["resident_b"]
    first_links = nav(resident_client(first).get("/compte/").content.decode())
    assert "Mon quartier" in nav(resident_client(second).get("/compte/").content.decode())

    make_role(user=first, kind=Role.Kind.MUNICIPAL_STAFF, commune=world.commune_a)
    staff_links = nav(staff_client(first).get("/compte/").content.decode())

    assert f"/carte/commune/{world.commune_a.code}/" not in first_links
    assert f"/carte/commune/{world.commune_a.code}/" in staff_links
    assert f"Carte de {world.commune_a.name}" in staff_links
