"""The demo data set, loaded by `make demo`. Every step is idempotent: loading twice changes
nothing. Each part of the product keeps its steps in its own module (`demo/<part>.py`, a
`STEPS` list of functions whose docstring's first line is printed), run in dependency order."""

from django.db import transaction

from accounts.models import User
from demo import accounts, addresses, alerts, routing, solidarity, statistics, zones
from demo.logins import DEMO_PASSWORD


def demo_admin_ensure() -> User:
    """Platform administrator."""
    admin = User.objects.filter(email="admin@vigie.test").first()
    if admin is None:
        admin = User.objects.create_superuser(email="admin@vigie.test", password=DEMO_PASSWORD, display_name="Admin")
    return admin


def demo_steps() -> list:
    return [
        demo_admin_ensure,
        *zones.STEPS,
        *addresses.STEPS,
        *accounts.STEPS,
        *alerts.STEPS,
        *solidarity.STEPS,
        *routing.STEPS,
        *statistics.STEPS,
    ]


@transaction.atomic
def demo_load(*, log=print) -> None:
    for step in demo_steps():
        log(f"  - {step.__doc__.splitlines()[0] if step.__doc__ else step.__name__}")
        step()
