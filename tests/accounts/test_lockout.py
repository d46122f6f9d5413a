import html

import pytest
from django.conf import settings

from tests.factories import UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def person(db):
    return UserFactory()


def test_web_login_locks_after_repeated_failures_with_a_french_message(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/comptes/login/", {"username": person.email, "password": "wrong"})

    response = client.post("/comptes/login/", {"username": person.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_login_locks_after_repeated_failures(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.post("/api/accounts/login/", {"email": person.email, "password": "wrong"}).status_code in (
            400,
            429,
        )

    response = client.post("/api/accounts/login/", {"email": person.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Trop de tentatives" in response.json()["detail"]


def test_lockout_is_keyed_on_the_username_not_the_address_alone(client, person):
    colleague = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/comptes/login/", {"username": person.email, "password": "wrong"})

    response = client.post("/comptes/login/", {"username": colleague.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_a_wrong_password_is_refused_in_correct_french(client, person):
    response = client.post("/comptes/login/", {"username": person.email, "password": "wrong"})

    page = html.unescape(response.content.decode())
    assert "Saisissez une adresse électronique et un mot de passe valides." in page
    assert "un adresse" not in page
