from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.storage import PrivateStorage


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("Une adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person on the platform, who logs in with an email address.

    Roles (resident, moderator, police agent, municipal staff) are tied to territories and live
    in their own rows, so one person may hold several."""

    email = models.EmailField(_("adresse électronique"), unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(
        _("accès à l'administration"), default=False, help_text=_("Peut se connecter au site d'administration.")
    )
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    email_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    # The language the person last used the site in: emails and text messages are written in it.
    language = models.CharField(_("langue"), max_length=10, choices=settings.LANGUAGES, default="fr", db_default="fr")

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Role(models.Model):
    """A role held by a person over a territory. One person may hold several roles.

    Residents are not a role row: a resident is a person with a verified `Residence`."""

    class Kind(models.TextChoices):
        MODERATOR = "moderator", _("modérateur")
        POLICE_AGENT = "police_agent", _("agent de police municipale")
        MUNICIPAL_STAFF = "municipal_staff", _("agent municipal")
        MAYOR = "mayor", _("maire ou élu")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("personne"))
    kind = models.CharField(_("rôle"), max_length=20, choices=Kind.choices)
    commune = models.ForeignKey(
        "zones.Commune", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    police_service = models.ForeignKey(
        "zones.PoliceService",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("service de police"),
    )
    can_verify_residents = models.BooleanField(
        _("vérifie les justificatifs"), default=False, help_text=_("Pour le personnel municipal.")
    )
    can_name_referents = models.BooleanField(
        _("nomme les référents"),
        default=False,
        db_default=False,
        help_text=_("Pour le personnel municipal : le maire nomme toujours les référents de sa commune."),
    )

    class Meta:
        verbose_name = _("rôle")
        verbose_name_plural = _("rôles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="police_agent", police_service__isnull=False, commune__isnull=True)
                    | (~models.Q(kind="police_agent") & models.Q(commune__isnull=False, police_service__isnull=True))
                ),
                name="role_has_its_territory",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "commune", "police_service"], name="role_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.commune or self.police_service}"


class Residence(models.Model):
    """Where a resident lives. The exact home point is personal data: it decides the resident's
    neighbourhood and is never shown to anyone else."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de vérification")
        VERIFIED = "verified", _("vérifiée")
        REJECTED = "rejected", _("refusée")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="residence")
    address = models.CharField(_("adresse"), max_length=300)
    home = models.PointField(_("domicile"), srid=4326)
    commune = models.ForeignKey("zones.Commune", on_delete=models.PROTECT, related_name="+")
    # The neighbourhood named on the resident's pages: the covering one of lowest id. Who is told
    # goes by `neighbourhoods`, every neighbourhood covering the home (both sides of a border).
    neighbourhood = models.ForeignKey(
        "zones.Zone", on_delete=models.SET_NULL, null=True, blank=True, related_name="residences"
    )
    neighbourhoods = models.ManyToManyField(
        "zones.Zone",
        through="ResidenceNeighbourhood",
        blank=True,
        related_name="homes",
        verbose_name=_("quartiers"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rejection_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    # Consent, off until the resident turns it on: the référents of their neighbourhood may then read
    # their first name and their street (never the house number, the point, the proof or a contact).
    # Defaults in the database too: rows written by SQL (bulk loads, benchmarks) need not name the column.
    visible_to_referents = models.BooleanField(
        _("visible des référents de mon quartier"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("domicile")
        verbose_name_plural = _("domiciles")
        indexes = [
            models.Index(fields=["neighbourhood", "status"]),
            # A commune's verified residents read from the index alone, in the order of their accounts:
            # a commune-wide message otherwise visits one table page per resident, and with residents
            # registered over the years those pages are most of the table (bench/RESULTS.md).
            models.Index(fields=["commune", "status", "user"], name="residence_commune_users"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.commune}"


class ResidenceNeighbourhood(models.Model):
    """A home is a resident of every current neighbourhood covering its point (`ST_Covers`): a home
    exactly on a shared border belongs to both sides. Maintained by `residence_neighbourhoods_refresh`
    when the home is set or moved and whenever neighbourhoods change; routing and broadcasts join on it."""

    residence = models.ForeignKey(Residence, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("quartier d'un domicile")
        verbose_name_plural = _("quartiers des domiciles")
        constraints = [models.UniqueConstraint(fields=["residence", "zone"], name="residence_neighbourhood_once")]
        # A neighbourhood's homes read from the index alone: an alert's fan-out starts from them.
        indexes = [models.Index(fields=["zone", "residence"], name="residence_neighbourhood_homes")]

    def __str__(self) -> str:
        return f"{self.residence} · {self.zone}"


class CharterVersion(models.Model):
    """A version of the charter every resident accepts: information and prevention, never action;
    no accusation. Published versions are never edited: a change is a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(_("texte"))
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("version de la charte")
        verbose_name_plural = _("versions de la charte")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Charte v{self.version}"


class CharterAcceptance(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="charter_acceptances")
    charter = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("acceptée le"), default=timezone.now)

    class Meta:
        verbose_name = _("acceptation de la charte")
        verbose_name_plural = _("acceptations de la charte")
        constraints = [models.UniqueConstraint(fields=["user", "charter"], name="charter_accepted_once")]


class ProofOfResidence(models.Model):
    """A document proving where a resident lives. The file lives in private storage and is deleted
    as soon as a person decides (or after the retention period); the row keeps only its type, the
    dates and who decided."""

    class Outcome(models.TextChoices):
        UNDECIDED = "", _("non décidé")
        VERIFIED = "verified", _("domicile vérifié")
        REJECTED = "rejected", _("refusé")
        EXPIRED = "expired", _("supprimé sans décision (délai dépassé)")

    residence = models.ForeignKey(Residence, on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(_("fichier"), storage=PrivateStorage(), upload_to="proofs/", max_length=200, blank=True)
    content_type = models.CharField(_("type du fichier"), max_length=50)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    outcome = models.CharField(_("issue"), max_length=10, choices=Outcome.choices, blank=True, default="")
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    file_deleted_at = models.DateTimeField(_("fichier supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("justificatif de domicile")
        verbose_name_plural = _("justificatifs de domicile")
        indexes = [models.Index(fields=["outcome", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.residence} · {self.content_type} · {self.uploaded_at:%Y-%m-%d}"


class AccessLog(models.Model):
    """Who opened a piece of sensitive data (a proof of residence, an exact alert location), and
    when. Kept `ACCOUNTS_ACCESS_LOG_RETENTION_DAYS` days, then purged by a periodic task."""

    class Kind(models.TextChoices):
        PROOF_OF_RESIDENCE = "proof_of_residence", _("justificatif de domicile")
        ALERT_LOCATION = "alert_location", _("position exacte d'une alerte")
        REFERENT_RESIDENTS = "referent_residents", _("liste des voisins consultée par un référent")
        REFERENT_INVITATION = "referent_invitation", _("inscription lancée par un référent")
        REFERENT_RELAY = "referent_relay", _("message de la mairie relayé par un référent")

    viewer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # Kept when the viewer's account is deleted, so the log still says who looked.
    viewer_email = models.EmailField(_("consulté par"))
    kind = models.CharField(_("donnée consultée"), max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField(_("identifiant"))
    subject = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("personne concernée")
    )
    commune = models.ForeignKey("zones.Commune", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    accessed_at = models.DateTimeField(_("consulté le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("consultation de donnée sensible")
        verbose_name_plural = _("consultations de données sensibles")
        ordering = ["-accessed_at"]

    def __str__(self) -> str:
        return f"{self.viewer_email} · {self.get_kind_display()} #{self.object_id} · {self.accessed_at:%Y-%m-%d %H:%M}"


class ReferentQuerySet(models.QuerySet):
    def active(self, on=None):
        """Terms in force on a day (today, in the site's time zone, by default): started, not over,
        not ended early by the town hall."""
        day = on or timezone.localdate()
        return self.filter(ended_at__isnull=True, starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class Referent(models.Model):
    """A verified resident named by the mayor (or municipal staff with the right) to be the relay of
    one or more neighbourhoods of their commune for a term (Participation citoyenne's "référent").
    A référent is a resident with a few more pages, never staff: no moderation, no exact location,
    no proof, no contact of anyone. Each term keeps who named and who ended it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="referent_terms", verbose_name=_("habitant"))
    commune = models.ForeignKey("zones.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune"))
    neighbourhoods = models.ManyToManyField("zones.Zone", related_name="referents", verbose_name=_("quartiers"))
    starts_on = models.DateField(_("début"), default=timezone.localdate)
    ends_on = models.DateField(_("fin prévue"), null=True, blank=True)
    named_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("nommé par")
    )
    named_at = models.DateTimeField(_("nommé le"), default=timezone.now)
    ended_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("fin décidée par")
    )
    ended_at = models.DateTimeField(_("fin décidée le"), null=True, blank=True)
    # The référent charter (accounts/referents.py, shipped in French and English) accepted for this term.
    charter_version = models.PositiveSmallIntegerField(_("version de la charte du référent"), null=True, blank=True)
    charter_accepted_at = models.DateTimeField(_("charte acceptée le"), null=True, blank=True)

    objects = ReferentQuerySet.as_manager()

    class Meta:
        verbose_name = _("référent")
        verbose_name_plural = _("référents")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="referent_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.commune}"


class ReferentInvitation(models.Model):
    """A registration a référent started for a neighbour: the neighbour gets a link by email and
    completes the normal way in themselves (password, charter, home, proof). The link carries a
    signed token of the row; it expires with the row's `expires_at` and serves once."""

    referent = models.ForeignKey(Referent, on_delete=models.CASCADE, related_name="invitations")
    first_name = models.CharField(_("prénom"), max_length=60)
    email = models.EmailField(_("adresse électronique"))
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    completed_at = models.DateTimeField(_("complétée le"), null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("inscription aidée par un référent")
        verbose_name_plural = _("inscriptions aidées par un référent")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.first_name} · {self.referent}"


class DeskStep(models.Model):
    """One step of a registration made at the town hall's desk by an agent on a resident's behalf
    (a resident without a smartphone): the audit trail of who did what for whom, and when."""

    class Kind(models.TextChoices):
        ACCOUNT_CREATED = "account_created", _("compte créé au guichet")
        HOME_PLACED = "home_placed", _("domicile placé à l'adresse")
        PROOF_CHECKED = "proof_checked", _("justificatif de domicile vérifié au guichet")
        CHARTER_READ = "charter_read", _("charte lue et acceptée par l'habitant")
        PHONE_CODE_SENT = "phone_code_sent", _("code envoyé au mobile")
        PHONE_VERIFIED_BY_CODE = "phone_code_read", _("mobile vérifié par le code lu au guichet")
        PHONE_MARKED_VERIFIED = "phone_marked", _("mobile déclaré vérifié par l'agent")

    resident = models.ForeignKey(User, on_delete=models.CASCADE, related_name="desk_steps")
    agent = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # Kept when the agent's account is deleted, so the trail still says who acted.
    agent_email = models.EmailField(_("agent"))
    kind = models.CharField(_("étape"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("précision"), max_length=200, blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("étape d'inscription au guichet")
        verbose_name_plural = _("étapes d'inscription au guichet")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_kind_display()} · {self.agent_email}"
