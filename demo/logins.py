"""The demo accounts, printed by `make demo` (`manage.py demo_logins`)."""

from dataclasses import dataclass

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
