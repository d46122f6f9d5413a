"""The password reset flow, from the request to the new password, in the site's own pages (never
the admin's), in French and in English."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STEPS = {
    "fr": ["Mot de passe oublié", "Lien envoyé", "Nouveau mot de passe", "Mot de passe changé"],
    "en": ["Forgotten password", "Link sent", "New password", "Password changed"],
}


def assert_site_page(response, heading: str) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in page
    assert "Django" not in page
    assert "vigie.css" in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_resident_resets_a_forgotten_password_through_the_site_pages(client, language):
    user = UserFactory(email="oubli@example.org")
    form, sent, new, done = STEPS[language]
    headers = {"HTTP_ACCEPT_LANGUAGE": language}

    assert_site_page(client.get("/comptes/password_reset/", **headers), form)
    response = client.post("/comptes/password_reset/", {"email": user.email}, follow=True, **headers)
    assert_site_page(response, sent)

    [message] = mail.outbox
    assert "Vigie" in message.subject
    assert ("Quelqu'un, sans doute vous" in message.body) == (language == "fr")
    link = re.search(r"https?://[^/\s]+(/comptes/reset/\S+)", message.body).group(1)
    response = client.get(link, follow=True, **headers)
    assert_site_page(response, new)

    password = "un-Mot-de-passe-neuf-2026"
    response = client.post(
        response.request["PATH_INFO"], {"new_password1": password, "new_password2": password}, follow=True, **headers
    )
    assert_site_page(response, done)
    user.refresh_from_db()
    assert user.check_password(password)


def test_a_used_reset_link_says_so_in_english(client):
    response = client.get("/comptes/reset/MQ/pas-un-jeton/", follow=True, HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert "This link is no longer valid" in page
    assert "Django" not in page
