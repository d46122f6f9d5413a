from django.core.management.base import BaseCommand

from demo.loading import demo_load


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent : relancer ne change rien)."

    def handle(self, *args, **options):
        demo_load(log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
