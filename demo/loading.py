"""The demo data set, loaded by `make demo`. Every step is idempotent: loading twice changes
nothing. Each part of the product keeps its steps in its own module (`demo/<part>.py`, a
`STEPS` list of functions whose docstring's first line is printed), run in dependency order."""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "vigie-demo-2026"  # noqa: S105 - printed by `make demo`, local data only


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


DEMO_LOGINS = [
    DemoLogin(email="admin@vigie.test", role="administrateur de la plateforme (2FA)"),
    DemoLogin(email="moderation@vigie.test", role="modérateur de Tarascon et de Brax (2FA)"),
    DemoLogin(email="police.tarascon@vigie.test", role="police municipale de Tarascon, carte en direct (2FA)"),
    DemoLogin(email="police.brax@vigie.test", role="police municipale de Brax (2FA)"),
    DemoLogin(email="maire.tarascon@vigie.test", role="maire de Tarascon : tableau de bord, statistiques (2FA)"),
    DemoLogin(email="mairie.tarascon@vigie.test", role="agent municipal de Tarascon, vérifie les domiciles (2FA)"),
    DemoLogin(email="habitant1@vigie.test", role="habitant vérifié (habitant2, habitant3… aussi)"),
    DemoLogin(email="en.attente@vigie.test", role="habitant en attente de vérification"),
]


def demo_admin_ensure() -> User:
    """Platform administrator."""
    admin = User.objects.filter(email="admin@vigie.test").first()
    if admin is None:
        admin = User.objects.create_superuser(email="admin@vigie.test", password=DEMO_PASSWORD, display_name="Admin")
    return admin


def demo_steps() -> list:
    from demo import accounts, alerts, routing, statistics, zones

    return [demo_admin_ensure, *zones.STEPS, *accounts.STEPS, *alerts.STEPS, *routing.STEPS, *statistics.STEPS]


@transaction.atomic
def demo_load(*, log=print) -> None:
    for step in demo_steps():
        log(f"  - {step.__doc__.splitlines()[0] if step.__doc__ else step.__name__}")
        step()
