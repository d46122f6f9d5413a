import pytest


@pytest.mark.django_db
def test_me_requires_login(client):
    assert client.get("/api/me/").status_code == 403


def test_me_returns_the_logged_in_account(admin_client, admin_user):
    response = admin_client.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["email"] == admin_user.email
