import base64

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from demo.accounts import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Affiche le code de double authentification en cours des comptes de démonstration."

    def handle(self, *args, **options):
        totp = TOTP(base64.b32decode(DEMO_TOTP_SECRET))
        self.stdout.write(f"{totp.token():06d}")
