"""Solidarity requests: neighbours asking for or offering a hand, a lost or found animal, someone to
check on during a heatwave or a cold snap.

They live in their own tables, not as alerts of another family: the police map, its event stream,
police deliveries, patrols, near-repeat, the open feeds and every crime statistic read the alerts
table, so a solidarity request cannot reach any of them by a forgotten filter. It carries no point
either: a neighbourhood and, where the kind needs it, a place described in words."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    HELP_WANTED = "help_wanted", _("demande d'un coup de main")
    HELP_OFFERED = "help_offered", _("offre d'un coup de main")
    LOST_ANIMAL = "lost_animal", _("animal perdu")
    FOUND_ANIMAL = "found_animal", _("animal trouvé")
    CHECK_ON = "check_on", _("prendre des nouvelles d'une personne isolée")


# How long a request stays on the lists unless its author closes it first.
LIFETIME = {
    Kind.HELP_WANTED: dt.timedelta(days=7),
    Kind.HELP_OFFERED: dt.timedelta(days=14),
    Kind.LOST_ANIMAL: dt.timedelta(days=7),
    Kind.FOUND_ANIMAL: dt.timedelta(days=7),
    Kind.CHECK_ON: dt.timedelta(hours=48),
}


class Species(models.TextChoices):
    DOG = "dog", _("chien")
    CAT = "cat", _("chat")
    BIRD = "bird", _("oiseau")
    OTHER = "other", _("autre animal")


class Person(models.TextChoices):
    """Who should be checked on, described and never named."""

    MYSELF = "myself", _("moi-même")
    ELDERLY_ALONE = "elderly_alone", _("une personne âgée seule")
    ISOLATED = "isolated", _("une personne isolée")
    DISABLED = "disabled", _("une personne en situation de handicap")


class Reason(models.TextChoices):
    HEATWAVE = "heatwave", _("canicule")
    COLD = "cold", _("grand froid")
    ILLNESS = "illness", _("maladie ou sortie d'hôpital")
    OTHER = "other", _("autre raison")


class SolidarityRequestQuerySet(models.QuerySet):
    def active(self, *, now: dt.datetime | None = None):
        """Published, not closed by its author and not past its expiry: what the lists show."""
        return self.filter(status=SolidarityRequest.Status.PUBLISHED, expires_at__gt=now or timezone.now())


class SolidarityRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de modération")
        PUBLISHED = "published", _("publiée")
        REJECTED = "rejected", _("refusée")
        RESOLVED = "resolved", _("résolue")
        WITHDRAWN = "withdrawn", _("retirée par un modérateur")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="solidarity_requests",
        verbose_name=_("auteur"),
    )
    commune = models.ForeignKey(
        "zones.Commune", on_delete=models.PROTECT, related_name="solidarity_requests", verbose_name=_("commune")
    )
    neighbourhood = models.ForeignKey(
        "zones.Zone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="solidarity_requests",
        verbose_name=_("quartier"),
        help_text=_("Le quartier du domicile de l'auteur ; vide : toute la commune."),
    )
    what = models.CharField(_("quoi"), max_length=200, blank=True, default="")
    when = models.CharField(_("quand"), max_length=100, blank=True, default="")
    species = models.CharField(_("espèce"), max_length=10, choices=Species.choices, blank=True, default="")
    place = models.CharField(
        _("où"), max_length=150, blank=True, default="", help_text=_("Une rue ou un lieu, jamais une adresse exacte.")
    )
    person = models.CharField(_("qui"), max_length=20, choices=Person.choices, blank=True, default="")
    reason = models.CharField(_("pourquoi"), max_length=20, choices=Reason.choices, blank=True, default="")
    details = models.TextField(_("précisions"), max_length=600, blank=True, default="")
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"))
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)

    objects = SolidarityRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande d'entraide")
        verbose_name_plural = _("demandes d'entraide")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["commune", "status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.commune_id} · {self.created_at:%d/%m/%Y}"


class SolidarityOffer(models.Model):
    """A neighbour's "je peux aider". The two are put in touch only once the author accepts: until
    then the author sees the helper's first name and nothing else, the helper sees nothing more of
    the author than the request itself."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de réponse")
        ACCEPTED = "accepted", _("acceptée")
        DECLINED = "declined", _("déclinée")

    request = models.ForeignKey(SolidarityRequest, on_delete=models.CASCADE, related_name="offers")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="solidarity_offers")
    note = models.CharField(_("message"), max_length=300, blank=True, default="")
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposition d'aide")
        verbose_name_plural = _("propositions d'aide")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "helper"], name="solidarity_offer_once")]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.helper_id} · {self.status}"


class SolidarityMessage(models.Model):
    """A message of the private conversation an accepted offer opens between the two neighbours."""

    offer = models.ForeignKey(SolidarityOffer, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("message"), max_length=1000)
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("message d'entraide")
        verbose_name_plural = _("messages d'entraide")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.offer_id} · {self.sent_at:%d/%m/%Y %H:%M}"


class SolidarityEvent(models.Model):
    """The audit trail: every decision on a request and every contact between neighbours (who, when,
    what). Written by the services in the transaction of the change; never edited."""

    class Action(models.TextChoices):
        POSTED = "posted", _("déposée")
        PUBLISHED = "published", _("publiée")
        REJECTED = "rejected", _("refusée")
        WITHDRAWN = "withdrawn", _("retirée")
        OFFERED = "offered", _("aide proposée")
        ACCEPTED = "accepted", _("aide acceptée : mise en relation")
        DECLINED = "declined", _("aide déclinée")
        RESOLVED = "resolved", _("résolue")

    request = models.ForeignKey(SolidarityRequest, on_delete=models.CASCADE, related_name="events")
    offer = models.ForeignKey(SolidarityOffer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("événement d'entraide")
        verbose_name_plural = _("journal de l'entraide")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.action} · {self.created_at:%d/%m/%Y %H:%M}"


class CommuneSolidarityRules(models.Model):
    """A commune's choice of moderation for solidarity requests. Without a row, every request is read
    by a moderator before it is published, as alerts are."""

    commune = models.OneToOneField(
        "zones.Commune", on_delete=models.CASCADE, related_name="solidarity_rules", verbose_name=_("commune")
    )
    light_moderation = models.BooleanField(
        _("modération allégée"),
        default=False,
        help_text=_(
            "Les demandes d'entraide (sauf les prises de nouvelles) dont le texte ne contient rien à signaler "
            "(téléphone, nom, accusation…) sont publiées aussitôt ; les modérateurs peuvent les retirer. "
            "Les autres attendent un modérateur."
        ),
    )

    class Meta:
        verbose_name = _("règles d'entraide de la commune")
        verbose_name_plural = _("règles d'entraide des communes")

    def __str__(self) -> str:
        return str(self.commune)
