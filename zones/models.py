from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zones.timezones import time_zone_of_commune_code

# `ST_Covers` rather than `ST_Contains`: a point on a shared border belongs to both sides. The
# questions go to the subdivided parts (CommunePart, ZonePart), whose small boxes the GiST index
# answers fast, like MapIt's `by_location`.
# Constant SQL, the point's coordinates are parameters.
_COMMUNE_PARTS_COVERING = """SELECT commune_id FROM zones_communepart
    WHERE geom && ST_SetSRID(ST_MakePoint(%s, %s), 4326) AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"""
_ZONE_PARTS_COVERING = """SELECT zone_id FROM zones_zonepart
    WHERE geom && ST_SetSRID(ST_MakePoint(%s, %s), 4326) AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"""


class CommuneQuerySet(models.QuerySet):
    def covering(self, point):
        """Communes covering the point (two on a shared border)."""
        return self.filter(id__in=RawSQL(_COMMUNE_PARTS_COVERING, [point.x, point.y] * 2))  # noqa: S611


class ZoneQuerySet(models.QuerySet):
    def current(self):
        """The zones in force: what routing, maps, statistics and pages use. Retired versions stay
        for the alerts routed to them and for the history of the boundaries."""
        return self.filter(valid_until__isnull=True)

    def valid_at(self, moment):
        """The versions that were in force at that moment."""
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=moment), valid_from__lte=moment)

    def versions_of(self, zone):
        """Every version of the zone, oldest first: same commune, kind and name."""
        return self.filter(commune_id=zone.commune_id, kind=zone.kind, name=zone.name).order_by("valid_from", "id")

    def covering(self, point, *, kind: str | None = None):
        """Zones covering the point, of one kind or of every kind."""
        zones = self.filter(id__in=RawSQL(_ZONE_PARTS_COVERING, [point.x, point.y] * 2))  # noqa: S611
        return zones if kind is None else zones.filter(kind=kind)


METRIC_SRID_HELP = _(
    "Projection métrique utilisée pour les distances et surfaces de cette commune : Lambert-93 (2154) en "
    "métropole, zone UTM locale outre-mer."
)


class Commune(models.Model):
    code = models.CharField(_("code INSEE"), max_length=10, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    households = models.PositiveIntegerField(_("ménages"), null=True, blank=True)
    boundary = models.MultiPolygonField(_("limite"), srid=4326)
    town_hall = models.PointField(_("mairie"), srid=4326, null=True, blank=True)
    adopted_on = models.DateField(
        _("adhésion au dispositif"), null=True, blank=True, help_text=_("Date de référence avant/après.")
    )
    metric_srid = models.PositiveIntegerField(_("projection métrique (EPSG)"), help_text=METRIC_SRID_HELP)
    routing_radius_m = models.PositiveIntegerField(
        _("rayon de diffusion (m)"),
        null=True,
        blank=True,
        help_text=_(
            "Les quartiers à moins de cette distance d'une alerte sont aussi prévenus. Vide : réglage général."
        ),
    )
    followed_places_max = models.PositiveSmallIntegerField(
        _("lieux suivis par habitant"),
        null=True,
        blank=True,
        help_text=_("Lieux qu'un habitant peut suivre en plus de son quartier. Vide : réglage général."),
    )
    near_me_max_hours = models.PositiveSmallIntegerField(
        _("durée maximale de « près de moi » (heures)"),
        null=True,
        blank=True,
        help_text=_("Après ce délai la position du téléphone est effacée. Vide : réglage général."),
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def has_joined(self) -> bool:
        return self.adopted_on is not None

    @property
    def time_zone(self) -> str:
        """The IANA time zone of the commune (Europe/Paris, or an overseas one)."""
        return time_zone_of_commune_code(self.code)


class PoliceService(models.Model):
    """A municipal police service and the communes it covers. Shared municipal police takes one of
    two legal forms: agents put in common by a convention between communes, or agents employed by
    an intercommunality (EPCI); both cover several communes and see all of them, nothing else."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("police municipale")
        CONVENTION = "convention", _("police municipale mutualisée par convention entre communes")
        INTERCOMMUNAL = "intercommunal", _("police intercommunale (agents de l'intercommunalité)")

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPAL)
    communes = models.ManyToManyField(Commune, related_name="police_services", verbose_name=_("communes"))
    station = models.PointField(
        _("poste de police"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Départ des rondes ; à défaut, la mairie de la première commune."),
    )

    class Meta:
        verbose_name = _("service de police")
        verbose_name_plural = _("services de police")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """A neighbourhood (quartier) of one commune, or a sector of a police service.

    A police sector may reach over several communes, so its `commune` is the one it mostly lies in,
    kept for listing; routing always goes through the geometry."""

    class Kind(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("quartier")
        POLICE_SECTOR = "police_sector", _("secteur de police")

    class Origin(models.TextChoices):
        DRAWN = "drawn", _("dessinée")
        IMPORTED = "imported", _("importée")
        GENERATED = "generated", _("générée (hexagones)")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="zones", verbose_name=_("commune"))
    police_service = models.ForeignKey(
        PoliceService,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sectors",
        verbose_name=_("service de police"),
    )
    name = models.CharField(_("nom"), max_length=200)
    boundary = models.MultiPolygonField(_("limite"), srid=4326)
    households = models.PositiveIntegerField(_("ménages"), null=True, blank=True)
    population = models.PositiveIntegerField(_("habitants"), null=True, blank=True)
    origin = models.CharField(
        _("origine"),
        max_length=20,
        choices=Origin.choices,
        default=Origin.DRAWN,
        db_default=Origin.DRAWN,
        help_text=_("Les quartiers générés peuvent être remplacés par une nouvelle génération ; les autres non."),
    )

    # Boundary history, like MapIt's generations: an import or a regeneration that changes a boundary
    # retires the version in force (`valid_until`) and creates a new one; nothing an alert was
    # routed to is ever deleted. Only current versions have subdivided parts, so routing and the
    # point lookups see nothing else.
    valid_from = models.DateTimeField(_("en vigueur depuis"), default=timezone.now, db_default=Now())
    valid_until = models.DateTimeField(_("en vigueur jusqu'au"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("remplace la version"),
    )

    objects = ZoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["commune__name", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="neighbourhood", police_service__isnull=True)
                | Q(kind="police_sector", police_service__isnull=False),
                name="zone_sector_has_service",
            ),
            models.UniqueConstraint(
                fields=["commune", "kind", "name"],
                condition=Q(valid_until__isnull=True),
                name="zone_current_name_once_per_commune",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="zone_valid_until_after_valid_from",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "kind"], condition=Q(valid_until__isnull=True), name="zone_current")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None


class CommunePart(models.Model):
    """A piece of a commune boundary cut by ST_Subdivide: small pieces under a GiST index make
    point-in-polygon tests cheap even for communes with thousands of vertices."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="parts")
    geom = models.PolygonField(srid=4326)


class ZonePart(models.Model):
    """A subdivided piece of a zone boundary; `kind` is copied so lookups filter without a join."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=20, choices=Zone.Kind.choices)
    geom = models.PolygonField(srid=4326)


class RoutingFace(models.Model):
    """A piece of the planar overlay of one commune by every boundary crossing it (communes,
    neighbourhoods, police sectors), shrunk by `ROUTING_FACE_MARGIN_DEG` and subdivided, with what
    covers it. One GiST probe and one `ST_Covers` on a face answer a point; a point within the margin
    of a border (on it, say) is covered by no face and is routed against the parts themselves, so
    the answer is always the parts' answer, both sides of a border included."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="routing_faces")
    geom = models.PolygonField(srid=4326)
    commune_ids = ArrayField(models.BigIntegerField())
    neighbourhood_ids = ArrayField(models.BigIntegerField())
    police_sector_ids = ArrayField(models.BigIntegerField())
