"""Logging people in for tests. Staff roles (moderators, police agents, municipal staff, admins)
must pass two-factor authentication; `staff_client` logs them in as if they had entered a valid
TOTP code, through django-otp's own session key."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def resident_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_client(user: User) -> Client:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
