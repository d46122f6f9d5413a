import html
from datetime import timedelta

import pytest
from axes.models import AccessAttempt as AxesAccessAttempt
from axes.models import AccessFailureLog as AxesAccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts import tasks
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


@pytest.mark.parametrize("spelling", [str.upper, str.title, lambda email: f"  {email.upper()} "])
def test_web_lockout_holds_whatever_the_case_of_the_address(client, person, spelling):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/comptes/login/", {"username": person.email, "password": "wrong"})

    response = client.post("/comptes/login/", {"username": spelling(person.email), "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_api_lockout_holds_whatever_the_case_of_the_address(client, person):
    # Failures spread over spellings add up to one lock-out.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        email = person.email.upper() if attempt % 2 else person.email
        client.post("/api/accounts/login/", {"email": email, "password": "wrong"})

    for email in (person.email.upper(), person.email):
        response = client.post("/api/accounts/login/", {"email": email, "password": PASSWORD})
        assert response.status_code == 429, email
    assert "_auth_user_id" not in client.session


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


def login_records_of(email: str) -> list[int]:
    return [
        model.objects.filter(username__iexact=email).count()
        for model in (AxesAccessAttempt, AxesAccessFailureLog, AxesAccessLog)
    ]


def test_deleting_the_account_deletes_its_login_records(client, person):
    colleague = UserFactory()
    client.post("/comptes/login/", {"username": colleague.email, "password": "wrong"})
    client.post("/comptes/login/", {"username": person.email.upper(), "password": "wrong"})
    client.post("/comptes/login/", {"username": person.email, "password": PASSWORD})
    assert sum(login_records_of(person.email)) > 0

    assert client.post("/api/me/delete/", {"password": PASSWORD}).status_code == 204

    assert login_records_of(person.email) == [0, 0, 0]
    assert sum(login_records_of(colleague.email)) > 0


def test_login_records_are_purged_after_the_retention_period(client, person, settings):
    settings.ACCOUNTS_LOGIN_RECORD_RETENTION_DAYS = 30
    colleague = UserFactory()
    Client().post("/comptes/login/", {"username": colleague.email, "password": PASSWORD})
    Client().post("/comptes/login/", {"username": person.email, "password": PASSWORD})
    client.post("/comptes/login/", {"username": person.email, "password": "wrong"})
    old = timezone.now() - timedelta(days=31)
    AxesAccessAttempt.objects.filter(username=person.email).update(attempt_time=old)
    AxesAccessLog.objects.filter(username=person.email).update(attempt_time=old)

    tasks.login_records_purge()

    assert login_records_of(person.email) == [0, 0, 0]
    assert login_records_of(colleague.email) == [0, 0, 1]


def test_expired_sessions_are_purged(person):
    Client().force_login(person)
    live = Client()
    live.force_login(person)
    Session.objects.exclude(session_key=live.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    tasks.sessions_purge_expired()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session.session_key]


def test_login_records_and_sessions_purges_are_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"accounts.login_records_purge", "accounts.sessions_purge_expired"} <= scheduled


def test_the_api_login_refuses_a_cross_site_form_without_csrf_token_like_the_web_form(person):
    browser = Client(enforce_csrf_checks=True)
    form = {"email": person.email, "password": PASSWORD}

    api = browser.post("/api/accounts/login/", form, HTTP_ORIGIN="https://evil.example")
    web = browser.post("/comptes/login/", {"username": person.email, "password": PASSWORD})

    assert (api.status_code, web.status_code) == (403, 403)
    assert "CSRF" in api.json()["detail"]
    assert "_auth_user_id" not in browser.session


def test_the_api_login_works_with_the_token_it_hands_out(person):
    browser = Client(enforce_csrf_checks=True)
    token = browser.get("/api/accounts/csrf/").json()["csrf_token"]

    response = browser.post(
        "/api/accounts/login/",
        {"email": person.email, "password": PASSWORD},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200, response.content
    assert browser.session["_auth_user_id"] == str(person.pk)
