import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail

from accounts import services
from accounts.models import User

STRONG = "un mot de passe solide 2026"


def web_login(client, email: str, password: str) -> bool:
    client.post("/comptes/login/", {"username": email, "password": password})
    return "_auth_user_id" in client.session


def confirmation_link(message) -> str:
    return re.search(r"https?://\S+/inscription/confirmer/\S+/", message.body).group(0)


@pytest.mark.django_db
def test_registration_sends_a_link_that_activates_the_account(client):
    response = client.post(
        "/inscription/",
        {"email": "Claire@Example.org", "display_name": "Claire", "password1": STRONG, "password2": STRONG},
    )

    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.content.decode()
    user = User.objects.get(email="claire@example.org")
    assert not user.is_active
    assert not web_login(client, "claire@example.org", STRONG)

    link = confirmation_link(mail.outbox[0])
    path = link[link.index("/inscription/") :]
    page = client.get(path)
    user.refresh_from_db()
    assert page.status_code == 200 and not user.is_active  # opening the link changes nothing
    assert f'<form method="post" action="{path}">' in page.content.decode()
    confirmed = client.post(path)

    assert confirmed.status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.email_confirmed_at is not None
    assert web_login(client, "claire@example.org", STRONG)


@pytest.mark.django_db
def test_registration_refuses_a_weak_password_with_django_validators(client):
    response = client.post("/inscription/", {"email": "a@example.org", "password1": "123456", "password2": "123456"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "trop court" in html or "too short" in html
    assert not User.objects.filter(email="a@example.org").exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_registering_an_existing_address_answers_the_same_and_warns_its_owner(client):
    User.objects.create_user(email="deja@example.org", password=STRONG)

    response = client.post("/api/accounts/register/", {"email": "deja@example.org", "password": STRONG})

    assert response.status_code == 202
    assert User.objects.filter(email="deja@example.org").count() == 1
    assert "déjà un compte" in mail.outbox[0].subject


@pytest.mark.django_db
def test_api_registration_confirmation_and_login(client):
    assert client.post("/api/accounts/register/", {"email": "b@example.org", "password": STRONG}).status_code == 202
    token = confirmation_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]

    refused = client.post("/api/accounts/login/", {"email": "b@example.org", "password": STRONG})
    assert refused.status_code == 400

    assert client.post("/api/accounts/confirm/", {"token": token}).status_code == 200
    response = client.post("/api/accounts/login/", {"email": "B@example.org", "password": STRONG})

    assert response.status_code == 200
    assert response.json()["otp_required"] is False
    assert client.get("/api/me/").json()["email"] == "b@example.org"


@pytest.mark.django_db
def test_a_tampered_confirmation_link_is_refused(client):
    client.post("/api/accounts/register/", {"email": "c@example.org", "password": STRONG})
    token = confirmation_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]

    response = client.post("/api/accounts/confirm/", {"token": token[:-2] + "xx"})

    assert response.status_code == 400
    assert "pas valide" in response.json()["token"][0]
    assert not User.objects.get(email="c@example.org").is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/api/accounts/register/", lambda email: {"email": email, "password": STRONG}),
        ("/inscription/", lambda email: {"email": email, "password1": STRONG, "password2": STRONG}),
    ],
)
def test_a_known_and_a_new_address_cost_the_same_work_and_get_the_same_answer(
    client, monkeypatch, registration_emails, url, form
):
    User.objects.create_user(email="deja@example.org", password=STRONG)
    hashes = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *args: hashes.append(1) or encode(self, *args))

    seen = []
    for email in ("deja@example.org", "nouveau@example.org"):
        hashes.clear()
        registration_emails.clear()
        response = client.post(url, form(email))
        # The page differs by the address it repeats and its per-request CSRF token, nothing else.
        answer = re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode().replace(email, "EMAIL")
        )
        seen.append((response.status_code, answer, len(hashes), list(registration_emails)))

    assert seen[0] == seen[1]
    assert seen[0][2:] == (1, [services.REGISTRATION_EMAIL_TASK])


@pytest.mark.django_db
def test_the_registration_email_is_queued_once_the_account_is_committed(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.undo()  # the real enqueueing, not the test's synchronous stand-in
    sent = []
    monkeypatch.setattr(services.current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = services.user_register(email="neuf@example.org", password=STRONG)
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()

    assert sent == [(services.REGISTRATION_EMAIL_TASK, {"user_id": user.pk, "existing": False})]
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_confirmation_is_written_in_the_language_the_person_registered_in(client):
    client.post("/i18n/setlang/", {"language": "en"})
    client.post("/api/accounts/register/", {"email": "en@example.org", "password": STRONG})

    assert "confirm" in mail.outbox[0].subject.lower() and "Bienvenue" not in mail.outbox[0].body
