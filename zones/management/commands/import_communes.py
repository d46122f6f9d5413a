from django.core.management.base import BaseCommand

from zones.importing import communes_import
from zones.management.commands._reporting import one_line_errors, report_print


class Command(BaseCommand):
    help = "Importe des communes (upsert par code) depuis tout fichier lisible par GDAL. Essai à blanc sans --commit."

    def add_arguments(self, parser):
        parser.add_argument("path", help="GeoJSON (éventuellement .gz), GeoPackage, Shapefile, KML...")
        parser.add_argument("--code", action="append", dest="codes", help="n'importer que ce code (répétable)")
        parser.add_argument("--code-field", default="code")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--population-field", default=None)
        parser.add_argument("--town-hall-field", default=None, help="champ [lon, lat] de la mairie")
        parser.add_argument("--layer", default=None, help="couche à lire (GeoPackage à plusieurs couches)")
        parser.add_argument("--commit", action="store_true", help="écrire en base (sinon essai à blanc)")

    def handle(self, *args, **options):
        with one_line_errors():
            report = communes_import(
                path=options["path"],
                codes=options["codes"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                population_field=options["population_field"],
                town_hall_field=options["town_hall_field"],
                layer=options["layer"],
                commit=options["commit"],
            )
        report_print(self, report)
