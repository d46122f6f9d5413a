from django.core.management.base import BaseCommand

from demo.accounts import DEMO_TOTP_SECRET
from demo.logins import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Affiche les comptes de démonstration."

    def handle(self, *args, **options):
        self.stdout.write(f"  Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for login in DEMO_LOGINS:
            self.stdout.write(f"    {login.email:<30} {login.role}")
        self.stdout.write(
            f"  2FA : secret TOTP {DEMO_TOTP_SECRET} (à ajouter dans une application d'authentification),\n"
            "        ou le code du moment : .venv/bin/python manage.py demo_totp"
        )
