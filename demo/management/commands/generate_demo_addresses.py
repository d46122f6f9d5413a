from django.core.management.base import BaseCommand

from demo.addresses import DEMO_ADDRESSES, demo_addresses_write


class Command(BaseCommand):
    help = "Régénère fixtures/adresses-demo.csv (format de la Base Adresse Nationale) depuis la géographie de démo."

    def handle(self, *args, **options):
        count = demo_addresses_write()
        self.stdout.write(f"{count} adresses écrites dans {DEMO_ADDRESSES}.")
