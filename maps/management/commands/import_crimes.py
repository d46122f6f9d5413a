from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maps.statistics.crime_import import CrimeFileError, crimes_import


class Command(BaseCommand):
    help = "Importe la délinquance enregistrée (police.uk ou SSMSI). Essai à blanc sans --commit."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", required=True, choices=["police-uk", "ssmsi"])
        parser.add_argument("--commit", action="store_true", help="Écrire en base (sinon essai à blanc).")

    def handle(self, *args, path, format, commit, **options):
        try:
            report = crimes_import(path=path, source=format, commit=commit)
        except CrimeFileError as error:
            raise CommandError(f"{path}: {error}") from error
        self.stdout.write(
            f"{report.rows_read} lignes lues, {report.rows_added} nouvelles, "
            f"{report.rows_without_location} sans coordonnées (gardées sans lieu), "
            f"{report.rows_not_diffused} non diffusées (nombre inconnu)"
        )
        for category, count in report.unmapped_categories.most_common():
            self.stdout.write(f"  catégorie sans famille connue, comptée en « autre » : {category} ({count})")
        self.stdout.write("Importé." if report.committed else "Essai à blanc : rien n'a été écrit (ajoutez --commit).")
