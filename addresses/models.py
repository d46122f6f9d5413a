"""The national address base (Base Adresse Nationale) held offline: streets and house numbers.

Suggestions search the streets (about one for every seventeen addresses), then pick the house
number inside the street found: a trigram index over 1.5 million streets answers a keystroke
where one over 26 million addresses could not."""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _


class Street(models.Model):
    """A street (voie) or a named place (lieu-dit) of one commune, under one postcode."""

    key = models.TextField(help_text=_("Code INSEE, code postal et nom normalisé : la voie une fois."))
    name = models.CharField(_("nom"), max_length=200)
    postcode = models.CharField(_("code postal"), max_length=5)
    insee_code = models.CharField(_("code INSEE"), max_length=5)
    commune_name = models.CharField(_("commune"), max_length=100)
    search = models.TextField(help_text=_("Nom, code postal et commune sans accents ni ponctuation, en minuscules."))
    point = models.PointField(
        srid=4326, spatial_index=False, help_text=_("Centre des numéros de la voie, quand aucun numéro n'est tapé.")
    )

    class Meta:
        verbose_name = _("voie")
        # Constraints rather than unique=True: no second (pattern) index to maintain on import.
        constraints = [models.UniqueConstraint(fields=["key"], name="addresses_street_key")]
        indexes = [
            GinIndex(fields=["search"], opclasses=["gin_trgm_ops"], name="addresses_street_search_trgm"),
            # Suggestions inside a known commune (the posting form) read its ~100 streets, not the trigrams.
            models.Index(fields=["insee_code"], name="addresses_street_insee"),
        ]

    def __str__(self):
        return f"{self.name}, {self.postcode} {self.commune_name}"


class Address(models.Model):
    """A house number of a street, where the national base places it."""

    ban_id = models.CharField(max_length=60, help_text=_("Identifiant de la Base Adresse Nationale."))
    # No foreign-key trigger: the import, the only writer, joins the streets it has just written,
    # and a deferred check per row would cost more than the whole insert on a national file.
    # The (street, number) index serves the joins.
    street = models.ForeignKey(
        Street, on_delete=models.CASCADE, related_name="addresses", db_index=False, db_constraint=False
    )
    number = models.PositiveIntegerField(_("numéro"))
    suffix = models.CharField(_("indice de répétition"), max_length=10, blank=True)
    # GiST, though an insert into it costs about 45 % of the import: a BRIN index was measured
    # too, and rows that follow each other in a file are not close enough on the ground for its
    # block boxes to stay small (a nearest-address query read 600,000 rows of 2 million).
    point = models.PointField(srid=4326)

    class Meta:
        verbose_name = _("adresse")
        constraints = [models.UniqueConstraint(fields=["ban_id"], name="addresses_address_ban_id")]
        indexes = [models.Index(fields=["street", "number"], name="addresses_address_number")]

    def __str__(self):
        return f"{self.number}{self.suffix} {self.street}"
