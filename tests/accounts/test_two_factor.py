import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.otp import totp_device_install
from tests.factories import UserFactory, make_commune, make_role

PASSWORD = "correct horse battery"


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def moderator(db):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MODERATOR, commune=make_commune())
    return user


def test_a_moderator_with_the_right_password_is_sent_to_set_up_two_factor(client, moderator):
    response = client.post("/comptes/login/", {"username": moderator.email, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0].startswith("/securite/2fa/configurer/")
    html = response.content.decode()
    assert "<svg" in html and "otpauth://totp/Vigie" in html
    assert client.get("/verification/").status_code == 302
    api = client.get("/api/residences/pending/")
    assert api.status_code == 403
    assert "Double authentification requise" in api.json()["detail"]


def test_setting_up_the_app_with_a_valid_code_opens_the_staff_pages(client, moderator):
    client.post("/comptes/login/", {"username": moderator.email, "password": PASSWORD})
    client.get("/securite/2fa/configurer/")
    device = TOTPDevice.objects.get(user=moderator)

    response = client.post("/securite/2fa/configurer/", {"token": code(device), "next": "/verification/"})

    assert response.status_code == 302 and response.url == "/verification/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/verification/").status_code == 200


def test_a_moderator_with_a_device_verifies_through_the_api(client, moderator):
    device = totp_device_install(user=moderator, base32_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", name="app")
    login = client.post("/api/accounts/login/", {"email": moderator.email, "password": PASSWORD})
    assert login.json()["otp_required"] is True
    assert client.get("/api/residences/pending/").status_code == 403

    wrong = client.post("/api/accounts/otp/verify/", {"token": "12345x"})
    right = client.post("/api/accounts/otp/verify/", {"token": code(device)})

    assert wrong.status_code == 400
    assert right.status_code == 200
    assert client.get("/api/residences/pending/").status_code == 200
    assert client.get("/api/me/").json()["otp_verified"] is True


def test_web_login_of_staff_with_a_device_asks_for_the_code_before_anything(client, moderator):
    totp_device_install(user=moderator, base32_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", name="app")
    client.post("/comptes/login/", {"username": moderator.email, "password": PASSWORD})

    response = client.get("/compte/")

    assert response.status_code == 302
    assert response.url.startswith("/securite/2fa/verifier/?next=")


@pytest.mark.django_db
def test_admins_need_two_factor_too(client, admin_user):
    client.post("/comptes/login/", {"username": admin_user.email, "password": "correct horse battery"})

    assert client.get("/admin/").url.startswith("/securite/2fa/configurer/")


@pytest.mark.django_db
def test_a_resident_needs_no_second_factor(client):
    resident = UserFactory()
    client.post("/comptes/login/", {"username": resident.email, "password": PASSWORD})

    assert client.get("/compte/").status_code == 200
    assert client.get("/api/me/").json()["otp_required"] is False
