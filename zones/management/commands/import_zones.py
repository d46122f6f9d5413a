from django.core.management.base import BaseCommand

from zones.importing import zones_import
from zones.management.commands._reporting import one_line_errors, report_print
from zones.models import Zone


class Command(BaseCommand):
    help = (
        "Importe les quartiers ou secteurs de police d'une commune (upsert par nom), avec rapport des "
        "réparations, lacunes et chevauchements. Essai à blanc sans --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commune", required=True, help="code INSEE de la commune")
        parser.add_argument("--kind", required=True, choices=Zone.Kind.values)
        parser.add_argument("--name-field", required=True)
        parser.add_argument("--households-field", default=None)
        parser.add_argument("--population-field", default=None)
        parser.add_argument("--police-service", default=None, help="nom du service (défaut : police municipale)")
        parser.add_argument(
            "--replace", action="store_true", help="retirer les zones absentes du fichier (gardées dans l'historique)"
        )
        parser.add_argument("--layer", default=None)
        parser.add_argument("--commit", action="store_true")

    def handle(self, *args, **options):
        with one_line_errors():
            report = zones_import(
                path=options["path"],
                commune_code=options["commune"],
                kind=options["kind"],
                name_field=options["name_field"],
                households_field=options["households_field"],
                population_field=options["population_field"],
                police_service_name=options["police_service"],
                replace=options["replace"],
                layer=options["layer"],
                commit=options["commit"],
            )
        report_print(self, report)
