from django.core.management.base import BaseCommand

from maps.statistics.monthly_counts import monthly_counts_rebuild


class Command(BaseCommand):
    help = (
        "Recompte les comptes mensuels des statistiques à partir des événements et affiche les écarts. "
        "Essai à blanc sans --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="Remplacer les comptes (sinon essai à blanc).")

    def handle(self, *args, commit, **options):
        report = monthly_counts_rebuild(commit=commit)
        self.stdout.write(f"{report.rows} comptes mensuels non nuls, {len(report.differences)} écarts.")
        for commune, source, kind, zone, month, key, category, kept, counted, *_keys in report.differences[:50]:
            place = f"zone {zone}" if zone else (f"hors zones ({kind})" if kind else "commune")
            self.stdout.write(
                f"  commune {commune} · {source} · {place} · {month} · {key} {category}: "
                f"{kept} gardés, {counted} recomptés"
            )
        self.stdout.write(
            "Remplacés." if report.committed else "Essai à blanc : rien n'a été écrit (ajoutez --commit)."
        )
