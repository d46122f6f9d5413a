from django.core.management.base import BaseCommand, CommandError

from zones.services import routing_faces_fill


class Command(BaseCommand):
    help = (
        "Construit les faces de routage des communes qui n'en ont pas (après un import), quelques communes "
        "par transaction, sur plusieurs connexions à la fois si demandé ; Celery beat le fait aussi, par lots."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="nombre maximal de communes")
        parser.add_argument(
            "--connections",
            type=int,
            default=1,
            help="connexions à la base utilisées en parallèle (une par cœur dont dispose PostgreSQL)",
        )

    def handle(self, *args, **options):
        if options["connections"] < 1:
            raise CommandError("--connections doit valoir au moins 1.")
        built = routing_faces_fill(limit=options["limit"], connections=options["connections"])
        self.stdout.write(f"{built} communes")
