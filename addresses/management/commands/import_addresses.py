from django.core.management.base import BaseCommand, CommandError

from addresses.importing import AddressImportError, addresses_import


class Command(BaseCommand):
    help = (
        "Importe un fichier de la Base Adresse Nationale (adresses-XX.csv ou .csv.gz, séparateur « ; »). "
        "Essai à blanc sans --commit ; une ligne invalide fait tout refuser ; réimporter n'ajoute rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="fichiers adresses-XX.csv.gz (un par département)")
        parser.add_argument("--commit", action="store_true", help="écrire en base (sinon essai à blanc)")

    def handle(self, *args, **options):
        for path in options["paths"]:
            try:
                report = addresses_import(path=path, commit=options["commit"])
            except AddressImportError as error:
                raise CommandError(f"{path} : {error}") from None
            for line in report.lines():
                self.stdout.write(f"{path} : {line}")
