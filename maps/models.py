from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import Family
from alerts.models.core import CELL_KEY_DEFAULT


class CrimeImportBatch(models.Model):
    """One run of `import_crimes --commit`: what file, how many rows read and how many were new."""

    source = models.CharField(_("source"), max_length=20)
    file_name = models.CharField(_("fichier"), max_length=500)
    rows_read = models.PositiveIntegerField(_("lignes lues"), default=0)
    rows_added = models.PositiveIntegerField(_("lignes ajoutées"), default=0)
    rows_without_location = models.PositiveIntegerField(_("lignes sans coordonnées"), default=0)
    imported_at = models.DateTimeField(_("importé le"), default=timezone.now)

    class Meta:
        verbose_name = _("import de délinquance enregistrée")
        verbose_name_plural = _("imports de délinquance enregistrée")

    def __str__(self) -> str:
        return f"{self.source} · {self.file_name} · {self.imported_at:%d/%m/%Y}"


class RecordedCrime(models.Model):
    """Crime recorded by the police or the gendarmerie, imported from an open-data file.

    Kept apart from citizen alerts: the statistics never add the two sources together. A row is
    one incident (police.uk, `count` = 1) or a yearly commune total (SSMSI, `count` is the total,
    NULL when the figure is not diffused: unknown, never zero)."""

    class Source(models.TextChoices):
        POLICE_UK = "police-uk", _("police.uk (Angleterre et pays de Galles)")
        SSMSI = "ssmsi", _("SSMSI (ministère de l'Intérieur)")

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    family = models.CharField(_("famille"), max_length=20, choices=Family.choices)
    category = models.CharField(_("catégorie d'origine"), max_length=200)
    month = models.DateField(_("mois"), null=True, blank=True, help_text=_("Premier jour du mois (police.uk)."))
    year = models.PositiveSmallIntegerField(_("année"))
    location = models.PointField(
        _("lieu"), srid=4326, null=True, blank=True, help_text=_("Point anonymisé par la source ; vide si absent.")
    )
    commune = models.ForeignKey(
        "zones.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
        db_index=False,  # the (commune, source, family, month) index serves commune lookups
    )
    commune_code = models.CharField(_("code commune"), max_length=10, blank=True)
    count = models.PositiveIntegerField(_("nombre"), null=True, blank=True, help_text=_("Vide : non diffusé."))
    population = models.PositiveIntegerField(
        _("population"),
        null=True,
        blank=True,
        help_text=_("Population INSEE de la commune (SSMSI) ; vide si absente."),
    )
    # 128 bits of a SHA-256 of the row's identity (see maps.statistics.crime_import): a uuid index is a quarter
    # of the size of the hex text one, which matters for 100,000-row imports.
    dedup_key = models.UUIDField(unique=True)
    # Permanent random record key for cell-key perturbation of published counts (see Alert.cell_key).
    cell_key = models.PositiveSmallIntegerField(_("clé de cellule"), db_default=CELL_KEY_DEFAULT, editable=False)
    batch = models.ForeignKey(CrimeImportBatch, on_delete=models.PROTECT, related_name="crimes", null=True)

    class Meta:
        verbose_name = _("délinquance enregistrée")
        verbose_name_plural = _("délinquance enregistrée")
        indexes = [
            models.Index(fields=["commune", "source", "family", "month"]),
            models.Index(fields=["commune_code", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.category} · {self.month or self.year}"


class MonthlyCount(models.Model):
    """Events of one source in one commune, month, family key and crime type, counted in a zone, outside
    every zone of a kind, or in the whole commune: the statistics read these rows instead of scanning the
    events, so their cost follows the number of zones and months, not the years of history.

    Kept by the database itself, in the transaction of the write (triggers of migration 0005 on alerts,
    recorded crimes, zones and communes): every path that writes (services, the admin, bulk SQL, COPY)
    moves the counts, and a publication and its counts commit together. `cell_key_sum` is the plain sum
    of the events' permanent cell keys, so the cell key of any group (the sum modulo 256) is exactly what
    a GROUP BY over the events gives, after removals as after additions."""

    commune = models.ForeignKey(
        "zones.Commune", on_delete=models.CASCADE, db_constraint=False, related_name="+", verbose_name=_("commune")
    )
    source = models.CharField(_("source"), max_length=20)
    # "" for the whole commune; a zone kind with `zone` for a zone, without it for outside every zone of
    # that kind (strictly inside the commune, covered by none of its zones in force).
    kind = models.CharField(_("type de zone"), max_length=20, blank=True)
    # No constraint in the database: a zone deleted by plain SQL is recounted by the trigger afterwards.
    zone = models.ForeignKey(
        "zones.Zone",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("zone"),
    )
    month = models.DateField(_("mois"), null=True, help_text=_("Mois de l'heure locale de la commune."))
    # The alert category's id (its family is looked up when read, so re-classifying a category moves no
    # count) or the recorded crime's family.
    family_key = models.CharField(_("clé de famille"), max_length=200)
    category = models.CharField(_("type d'origine"), max_length=200, blank=True, help_text=_("Type police.uk."))
    events = models.IntegerField(_("événements"))
    cell_key_sum = models.BigIntegerField(_("somme des clés de cellule"))

    class Meta:
        verbose_name = _("compte mensuel")
        verbose_name_plural = _("comptes mensuels")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "source", "kind", "zone", "month", "family_key", "category"],
                name="maps_monthlycount_cell",
                nulls_distinct=False,
            )
        ]
