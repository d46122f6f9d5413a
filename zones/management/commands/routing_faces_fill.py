from django.core.management.base import BaseCommand

from zones.services import routing_faces_fill


class Command(BaseCommand):
    help = (
        "Construit les faces de routage des communes qui n'en ont pas (après un import), quelques communes "
        "par transaction ; Celery beat le fait aussi, par lots."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="nombre maximal de communes")

    def handle(self, *args, **options):
        built = routing_faces_fill(limit=options["limit"])
        self.stdout.write(f"{built} communes")
