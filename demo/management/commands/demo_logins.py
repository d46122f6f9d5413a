from django.core.management.base import BaseCommand

from demo.loading import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Affiche les comptes de démonstration."

    def handle(self, *args, **options):
        self.stdout.write(f"  Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for login in DEMO_LOGINS:
            self.stdout.write(f"    {login.email:<34} {login.role}")
