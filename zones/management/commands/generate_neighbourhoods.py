from django.core.management.base import BaseCommand

from zones.importing import neighbourhoods_generate_report
from zones.management.commands._reporting import one_line_errors, report_print


class Command(BaseCommand):
    help = (
        "Découpe une commune en quartiers hexagonaux (côté en mètres), découpés à sa limite. "
        "Essai à blanc sans --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="code INSEE")
        parser.add_argument("--hex-size", required=True, type=float, help="côté des hexagones en mètres")
        parser.add_argument("--replace", action="store_true", help="remplacer les quartiers déjà générés")
        parser.add_argument("--estimate-population", action="store_true", help="répartir la population par surface")
        parser.add_argument("--commit", action="store_true")

    def handle(self, *args, **options):
        with one_line_errors():
            report = neighbourhoods_generate_report(
                commune_code=options["commune"],
                hex_size_m=options["hex_size"],
                replace=options["replace"],
                estimate_population=options["estimate_population"],
                commit=options["commit"],
            )
        report_print(self, report)
