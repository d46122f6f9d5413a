from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Floor, Random
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partitions.monthly import current_month

# A uniform random integer 0..255, drawn by the database for each new row (disclosure control's record key).
CELL_KEY_DEFAULT = Cast(Floor(Random() * 256), models.SmallIntegerField())


class Family(models.TextChoices):
    """The statistical family of a category; the statistics count by family."""

    BURGLARY = "burglary", _("cambriolage")
    INCIVILITY = "incivility", _("incivilité")
    THEFT = "theft", _("vol")
    SUSPICIOUS = "suspicious", _("activité suspecte")
    OTHER = "other", _("autre")


class AlertCategory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=100)
    family = models.CharField(_("famille"), max_length=20, choices=Family.choices)
    is_urgent = models.BooleanField(
        _("urgente"), default=False, help_text=_("Peut être envoyée pendant les heures calmes des habitants.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_public = models.BooleanField(
        _("diffusée au public"),
        default=False,
        db_default=False,
        help_text=_(
            "Les alertes publiées de cette catégorie partent aussi dans le flux CAP public de la commune "
            "(lieu généralisé)."
        ),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("catégorie d'alerte")
        verbose_name_plural = _("catégories d'alerte")
        ordering = ["family", "position", "label"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the active language. The labels seeded by the migrations are in the
        catalogue; a label an admin typed has no entry and reads as typed, in every language."""
        return gettext(self.label) if self.label else ""


class RejectionReason(models.TextChoices):
    """Why a moderator refused an alert; the author sees the label."""

    ACCUSATION_OR_NAMING = "accusation_or_naming", _("accusation ou personne nommée")
    DISCRIMINATORY = "discriminatory", _("propos discriminatoires")
    NOT_AN_ALERT = "not_an_alert", _("ce n'est pas une alerte")
    EMERGENCY = "emergency", _("urgence : il fallait appeler le 17, le 18 ou le 112")
    DUPLICATE = "duplicate", _("doublon d'une alerte déjà signalée")
    NOT_ENOUGH_INFORMATION = "not_enough_information", _("pas assez d'informations")


class VehicleType(models.TextChoices):
    """A vehicle by its kind only: the form has no field where a plate could go."""

    CAR = "car", _("voiture")
    VAN = "van", _("camionnette")
    TRUCK = "truck", _("camion")
    MOTORBIKE = "motorbike", _("moto")
    SCOOTER = "scooter", _("scooter")
    BICYCLE = "bicycle", _("vélo ou trottinette")
    OTHER = "other", _("autre véhicule")


class VehicleColour(models.TextChoices):
    WHITE = "white", _("blanc")
    BLACK = "black", _("noir")
    GREY = "grey", _("gris ou argent")
    BLUE = "blue", _("bleu")
    RED = "red", _("rouge")
    GREEN = "green", _("vert")
    YELLOW = "yellow", _("jaune ou orange")
    BROWN = "brown", _("marron ou beige")
    OTHER = "other", _("autre couleur")


class Direction(models.TextChoices):
    """Where the people or the vehicle went, as a compass point: a street name is for the free text."""

    NORTH = "north", _("vers le nord")
    NORTH_EAST = "north_east", _("vers le nord-est")
    EAST = "east", _("vers l'est")
    SOUTH_EAST = "south_east", _("vers le sud-est")
    SOUTH = "south", _("vers le sud")
    SOUTH_WEST = "south_west", _("vers le sud-ouest")
    WEST = "west", _("vers l'ouest")
    NORTH_WEST = "north_west", _("vers le nord-ouest")
    STAYED = "stayed", _("resté sur place")


class Source(models.TextChoices):
    """How an alert reached Vigie: the site or the app, or a text message to the commune's number."""

    WEB = "web", _("site ou application")
    SMS = "sms", _("SMS")


# The category of an alert sent by SMS until a moderator chooses one: never offered on the form.
UNQUALIFIED_CATEGORY = "a-qualifier"


class AlertQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Alert.Status.PUBLISHED)


class Alert(models.Model):
    """What a resident saw, where and when. `status` is the moderation state; `follow_up` is what
    the police or the town hall did once it was published."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de modération")
        PUBLISHED = "published", _("publiée")
        REJECTED = "rejected", _("refusée")
        MERGED = "merged", _("fusionnée avec un doublon")

    class FollowUp(models.TextChoices):
        NONE = "none", _("aucun suivi")
        ACKNOWLEDGED = "acknowledged", _("la police municipale est informée")
        IN_PROGRESS = "in_progress", _("intervention en cours")
        CLOSED = "closed", _("clôturée")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("auteur"),
    )
    category = models.ForeignKey(
        AlertCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("catégorie")
    )
    commune = models.ForeignKey(
        "zones.Commune", on_delete=models.PROTECT, related_name="alerts", verbose_name=_("commune")
    )
    location = models.PointField(_("lieu exact"), srid=4326, help_text=_("Jamais montré aux habitants."))
    occurred_at = models.DateTimeField(_("survenue le"))
    description = models.TextField(_("ce qui s'est passé"))
    # The structured form (describe behaviour, not appearance): each part optional, blank by default
    # in the database too, since statistics and benchmarks load alerts with plain SQL.
    behaviour = models.TextField(
        _("ce que les personnes faisaient"), blank=True, default="", db_default="", max_length=2000
    )
    vehicle_type = models.CharField(
        _("véhicule"), max_length=20, choices=VehicleType.choices, blank=True, default="", db_default=""
    )
    vehicle_colour = models.CharField(
        _("couleur du véhicule"), max_length=20, choices=VehicleColour.choices, blank=True, default="", db_default=""
    )
    direction = models.CharField(
        _("direction prise"), max_length=20, choices=Direction.choices, blank=True, default="", db_default=""
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PENDING)
    follow_up = models.CharField(_("suivi"), max_length=20, choices=FollowUp.choices, default=FollowUp.NONE)
    created_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    decided_at = models.DateTimeField(
        _("décidée le"), null=True, blank=True, help_text=_("Publication, refus ou fusion par un modérateur.")
    )
    rejection_reason = models.CharField(
        _("motif du refus"), max_length=30, choices=RejectionReason.choices, blank=True, default="", db_default=""
    )
    # Database defaults too: statistics and benchmarks load alerts in bulk with plain SQL.
    rejection_note = models.TextField(_("précision du modérateur"), blank=True, default="", db_default="")
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_alerts",
        verbose_name=_("fusionnée dans"),
    )
    follow_up_outcome = models.TextField(_("issue"), blank=True, default="", db_default="")
    follow_up_at = models.DateTimeField(_("suivi modifié le"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confiée à"),
        help_text=_("Agent de police municipale du service qui suit l'alerte."),
    )
    # A permanent random key in 0..255 drawn by the database at insert (plain SQL loads included): the
    # statistics perturb each published count by a fixed function of its events' keys (cell-key method),
    # so the same cell always gets the same noise and differencing cannot average it away.
    cell_key = models.PositiveSmallIntegerField(
        _("clé de cellule"), db_default=CELL_KEY_DEFAULT, editable=False, help_text=_("Clé aléatoire 0 à 255.")
    )

    # An alert written without a network is kept on the phone and sent when the network returns: it
    # carries the time it was written and a key drawn by the phone, so a resend after a lost answer
    # finds the alert already made instead of making a second one.
    composed_at = models.DateTimeField(
        _("rédigée le"),
        null=True,
        blank=True,
        help_text=_("Heure de rédaction sur le téléphone, si envoyée plus tard."),
    )
    client_key = models.UUIDField(
        _("clé d'envoi"), null=True, blank=True, editable=False, help_text=_("Tirée par le téléphone à la rédaction.")
    )

    source = models.CharField(
        _("envoyée par"), max_length=10, choices=Source.choices, default=Source.WEB, db_default=Source.WEB
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["commune", "status", "created_at"]),
            models.Index(fields=["status", "published_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"], condition=Q(client_key__isnull=False), name="alert_client_key_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.commune.name} · {self.created_at:%d/%m/%Y %H:%M}"


class AlertEvent(models.Model):
    """The persisted, ordered event stream of one police service: what its live map shows.

    The id orders the stream and is the Server-Sent Events id, so a reconnecting browser replays
    from `Last-Event-ID` what it missed."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("alerte publiée")
        STATUS_CHANGED = "status_changed", _("suivi modifié")
        WITHDRAWN = "withdrawn", _("alerte retirée")

    police_service = models.ForeignKey("zones.PoliceService", on_delete=models.CASCADE, related_name="alert_events")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # The table is partitioned by the month the event was written (UTC), so old months of the stream
    # are dropped whole (ALERTS_EVENT_RETENTION_MONTHS); the live map replays only recent events.
    month = models.DateField(default=current_month, editable=False)

    class Meta:
        indexes = [models.Index(fields=["police_service", "id"])]
