"""Models of routing and delivery: routed zones, deliveries, preferences, broadcasts.

The tables were created when these models belonged to `alerts`; they keep their names
(`db_table`), so moving the models changed no data and every raw SQL string stays valid.

One `Delivery` row per recipient and message (an alert, a top-down broadcast, or a near-repeat
prevention notice). The row itself is the in-app inbox item; the external channels (email, SMS)
carry their own status on the same row, so a redelivered task re-sends only a channel still
pending, and uniqueness on (recipient, message) is a plain database constraint."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertCategory
from partitions.monthly import current_month


class AlertRouting(models.Model):
    """Written once, first, when an alert is routed: a second call for the same alert finds it and
    stops, so routing is idempotent however often publication is signalled."""

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, primary_key=True, related_name="routing")
    routed_at = models.DateTimeField(_("diffusée le"), default=timezone.now)
    radius_m = models.PositiveIntegerField(_("rayon utilisé (m)"))
    recipients = models.PositiveIntegerField(_("destinataires"), default=0)

    class Meta:
        db_table = "alerts_alertrouting"  # created by the alerts app; kept so no data moves
        verbose_name = _("diffusion d'alerte")
        verbose_name_plural = _("diffusions d'alertes")


class RoutedZone(models.Model):
    class Reason(models.TextChoices):
        COVERS = "covers", _("le lieu est dans la zone")
        NEARBY = "nearby", _("zone à proximité du lieu")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="routed_zones", db_index=False)
    # PROTECT: a zone an alert was routed to is retired when its boundary changes, never deleted; the
    # name is kept as it read then, so a resident's message keeps its places whatever happens later.
    zone = models.ForeignKey("zones.Zone", on_delete=models.PROTECT, related_name="routed_alerts")
    zone_name = models.CharField(_("nom de la zone à la diffusion"), max_length=200)
    reason = models.CharField(_("motif"), max_length=10, choices=Reason.choices)

    class Meta:
        db_table = "alerts_routedzone"  # created by the alerts app; kept so no data moves
        verbose_name = _("zone prévenue")
        verbose_name_plural = _("zones prévenues")
        constraints = [models.UniqueConstraint(fields=["alert", "zone"], name="routed_zone_once")]


class PhoneVerifiedHow(models.TextChoices):
    CODE = "code", _("code reçu par SMS")
    DESK = "desk", _("agent au guichet de la mairie")


class NotificationPreference(models.Model):
    """What a person wants to receive and how. No row means the defaults: inbox and email, every
    category, no quiet hours, prevention notices on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref")
    by_email = models.BooleanField(_("par courriel"), default=True)
    by_sms = models.BooleanField(_("par SMS"), default=False)
    # Notifications on the person's devices (Web Push), once a browser has subscribed (PushSubscription).
    by_push = models.BooleanField(_("par notification sur mes appareils"), default=False)
    phone_number = models.CharField(_("numéro de téléphone mobile"), max_length=20, blank=True)
    # Set when the person typed the code sent to `phone_number` (or a town hall agent vouched for it at
    # the desk): only a verified number may send alerts by SMS. Changing the number clears it.
    phone_verified_at = models.DateTimeField(_("numéro vérifié le"), null=True, blank=True)
    phone_verified_how = models.CharField(
        _("numéro vérifié par"), max_length=10, choices=PhoneVerifiedHow.choices, blank=True, default="", db_default=""
    )
    quiet_start = models.TimeField(_("début des heures calmes"), null=True, blank=True)
    quiet_end = models.TimeField(_("fin des heures calmes"), null=True, blank=True)
    prevention_notices = models.BooleanField(
        _("conseils de prévention"),
        default=True,
        help_text=_("Conseils reçus quand un cambriolage a lieu près de chez vous."),
    )
    muted_categories = models.ManyToManyField(
        AlertCategory, blank=True, related_name="+", verbose_name=_("catégories non souhaitées")
    )

    class Meta:
        db_table = "alerts_notificationpreference"  # created by the alerts app; kept so no data moves
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="quiet_hours_both_or_none",
            ),
            # An SMS from a number names one person: a number is verified for one account at most.
            models.UniqueConstraint(
                fields=["phone_number"], condition=Q(phone_verified_at__isnull=False), name="verified_phone_once"
            ),
        ]


class Broadcast(models.Model):
    """A top-down message from the town hall to its residents (communication descendante)."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("information")
        PREVENTION = "prevention", _("prévention")
        WEATHER = "weather", _("alerte météo")
        ROAD_WORKS = "road_works", _("travaux")
        PUBLIC_SAFETY = "public_safety", _("sécurité publique")
        # A good-practice reminder from the shipped library (delivery/reminders/), sent when scheduled.
        REMINDER = "reminder", _("rappel de bonnes pratiques")

    # Kinds that may reach residents during their quiet hours.
    URGENT_KINDS = (Kind.WEATHER, Kind.PUBLIC_SAFETY)

    class Target(models.TextChoices):
        COMMUNE = "commune", _("toute la commune")
        NEIGHBOURHOODS = "neighbourhoods", _("quartiers choisis")
        AREA = "area", _("zone dessinée")

    commune = models.ForeignKey("zones.Commune", on_delete=models.PROTECT, related_name="broadcasts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("message"), max_length=2000)
    target = models.CharField(_("destinataires"), max_length=20, choices=Target.choices)
    neighbourhoods = models.ManyToManyField("zones.Zone", blank=True, related_name="+", verbose_name=_("quartiers"))
    area = models.MultiPolygonField(_("zone dessinée"), srid=4326, null=True, blank=True)
    by_email = models.BooleanField(_("par courriel"), default=True)
    by_sms = models.BooleanField(_("par SMS"), default=False)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("destinataires"), default=0)
    # Set by broadcast_withdraw: the message stays in the history, marked withdrawn, and the CAP
    # feed carries a Cancel for it.
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)

    class Meta:
        db_table = "alerts_broadcast"  # created by the alerts app; kept so no data moves
        verbose_name = _("message de la mairie")
        verbose_name_plural = _("messages de la mairie")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["commune", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_urgent(self) -> bool:
        return self.kind in self.URGENT_KINDS

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class BroadcastRelay(models.Model):
    """A town hall message a référent relayed to the residents of their neighbourhoods: those who had
    not received it get it then, once (the deliveries' own uniqueness); those who had are left alone."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="relays")
    referent = models.ForeignKey("accounts.Referent", on_delete=models.CASCADE, related_name="relays")
    relayed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("relayé le"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("nouveaux destinataires"), default=0)

    class Meta:
        verbose_name = _("relais d'un message par un référent")
        verbose_name_plural = _("relais de messages par des référents")
        constraints = [models.UniqueConstraint(fields=["broadcast", "relayed_by"], name="broadcast_relayed_once")]


class Reminder(models.Model):
    """A good-practice reminder the town hall scheduled: a ready text of the library, for a moment, to
    the commune or chosen neighbourhoods. When it is due, Celery beat sends it as a broadcast of the
    "reminder" kind, to residents who had no reminder in the last `DELIVERY_REMINDER_MIN_DAYS` days."""

    class Target(models.TextChoices):
        COMMUNE = "commune", _("toute la commune")
        NEIGHBOURHOODS = "neighbourhoods", _("quartiers choisis")

    commune = models.ForeignKey("zones.Commune", on_delete=models.CASCADE, related_name="reminders")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text_key = models.CharField(_("texte de la bibliothèque"), max_length=40)
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("message"), max_length=2000)
    target = models.CharField(_("destinataires"), max_length=20, choices=Target.choices)
    neighbourhoods = models.ManyToManyField("zones.Zone", blank=True, related_name="+", verbose_name=_("quartiers"))
    send_at = models.DateTimeField(_("à envoyer le"))
    created_at = models.DateTimeField(_("programmé le"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    broadcast = models.OneToOneField(
        Broadcast, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminder"
    )

    class Meta:
        verbose_name = _("rappel de bonnes pratiques")
        verbose_name_plural = _("rappels de bonnes pratiques")
        ordering = ["-send_at", "-id"]
        indexes = [
            models.Index(
                fields=["send_at"], condition=Q(broadcast__isnull=True, cancelled_at__isnull=True), name="reminder_due"
            )
        ]

    def __str__(self) -> str:
        return self.title


class BroadcastRevision(models.Model):
    """A correction or the withdrawal of a broadcast, with the text it replaced: the history a town
    hall can show, and what the CAP feed needs to send an Update or a Cancel that `references`
    every earlier version of the message (CAP 1.2, 3.2.1)."""

    class Action(models.TextChoices):
        CORRECTION = "correction", _("correction")
        WITHDRAWAL = "withdrawal", _("retrait")

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="revisions")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    previous_title = models.CharField(_("titre remplacé"), max_length=150)
    previous_body = models.TextField(_("message remplacé"), max_length=2000)
    note = models.CharField(_("motif"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("correction ou retrait d'un message")
        verbose_name_plural = _("corrections et retraits de messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} : {self.broadcast}"


class Delivery(models.Model):
    class Kind(models.TextChoices):
        ALERT = "alert", _("alerte")
        BROADCAST = "broadcast", _("message de la mairie")
        NEAR_REPEAT = "near_repeat", _("conseil de prévention")
        PATROL_VISIT = "patrol_visit", _("avis de passage")
        ABSENCE_REMINDER = "absence_reminder", _("rappel de déclaration")
        AUTHOR_UPDATE = "author_update", _("suivi de votre alerte")
        SOLIDARITY = "solidarity", _("demande d'entraide")
        SOLIDARITY_OFFER = "solidarity_offer", _("proposition d'aide")
        SOLIDARITY_ACCEPTED = "solidarity_accepted", _("aide acceptée")

    # Notices to one person: about something of a higher app (a patrol's visit, an absence, a
    # neighbour's offer of help or its acceptance), whose row it points at by `notice_id` only, so
    # delivery never imports that app; or, for the author of an alert, about a moderation decision or
    # a follow-up step (`notice_id`: the AlertTransition).
    NOTICE_KINDS = (
        Kind.PATROL_VISIT,
        Kind.ABSENCE_REMINDER,
        Kind.AUTHOR_UPDATE,
        Kind.SOLIDARITY_OFFER,
        Kind.SOLIDARITY_ACCEPTED,
    )
    # Messages of a higher app told to many people, pointed at by `notice_id` as well: a solidarity
    # request, told to the neighbours of its neighbourhood when it is published.
    FAN_OUT_NOTICE_KINDS = (Kind.SOLIDARITY,)
    # What sending a delivery settles (its state, each channel's outcome, retries), which no message
    # shows: the senders write these columns back, the inbox does not read them.
    SENDING_FIELDS = (
        "status",
        "reason",
        "email_status",
        "sms_status",
        "push_status",
        "attempts",
        "last_error",
        "send_after",
        "sent_at",
    )

    class Status(models.TextChoices):
        PENDING = "pending", _("à envoyer")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec")
        SKIPPED = "skipped", _("non envoyé")

    # No database-level foreign keys on recipient and alert: the fan-out inserts tens of thousands of
    # rows in one statement, and PostgreSQL's per-row check would lock every recipient's user row
    # (FOR KEY SHARE) and cost a third of the publication time. Rows only ever come from the
    # INSERT ... SELECT over existing users and alerts, and Django still cascades deletions.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The alert of an alert delivery, or the burglary that triggered a near-repeat notice.
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False, db_constraint=False
    )
    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries", db_index=False
    )
    notice_id = models.BigIntegerField(null=True, blank=True, help_text=_("Visite ou absence d'un avis."))
    # Overall state of the external channels; the inbox needs no sending.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    email_status = models.CharField(max_length=10, choices=Status.choices, default=Status.SKIPPED)
    sms_status = models.CharField(max_length=10, choices=Status.choices, default=Status.SKIPPED)
    push_status = models.CharField(max_length=10, choices=Status.choices, default=Status.SKIPPED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Not before this moment: quiet hours defer email and SMS; retries push it forward.
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The table is partitioned by this month (partitions/monthly.py), that of the message: its alert's
    # or broadcast's creation, or the notice row's, in UTC. Being a function of the message, it is the
    # same for every delivery of one message, so each "once" below, unique within a month, is unique
    # overall; and a month of deliveries is dropped as one partition when its retention ends.
    month = models.DateField(default=current_month, editable=False)

    class Meta:
        db_table = "alerts_delivery"  # created by the alerts app; kept so no data moves
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="alert", alert__isnull=False, broadcast__isnull=True)
                | Q(kind="near_repeat", alert__isnull=False, broadcast__isnull=True)
                | Q(kind="broadcast", alert__isnull=True, broadcast__isnull=False)
                | Q(
                    kind__in=[
                        "patrol_visit",
                        "absence_reminder",
                        "author_update",
                        "solidarity_offer",
                        "solidarity_accepted",
                    ],
                    alert__isnull=True,
                    broadcast__isnull=True,
                )
                | Q(kind="solidarity", alert__isnull=True, broadcast__isnull=True, notice_id__isnull=False),
                name="delivery_points_at_its_message",
            ),
            models.UniqueConstraint(
                fields=["alert", "recipient", "month"], condition=Q(kind="alert"), name="delivery_once_per_alert"
            ),
            models.UniqueConstraint(
                fields=["broadcast", "recipient", "month"],
                condition=Q(kind="broadcast"),
                name="delivery_once_per_broadcast",
            ),
            models.UniqueConstraint(
                fields=["alert", "recipient", "month"],
                condition=Q(kind="near_repeat"),
                name="near_repeat_once_per_alert",
            ),
            # One notice per visit, one reminder per absence, one message per decision or step told to
            # an alert's author, per offer of help and per acceptance: sending twice aborts, never doubles.
            models.UniqueConstraint(
                fields=["kind", "notice_id", "month"],
                condition=Q(notice_id__isnull=False) & ~Q(kind="solidarity"),
                name="notice_once",
            ),
            # A solidarity request (`notice_id`) told once to each neighbour; its month is that of the
            # request's publication.
            models.UniqueConstraint(
                fields=["notice_id", "recipient", "month"],
                condition=Q(kind="solidarity"),
                name="solidarity_once_per_request",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="delivery_inbox"),
            models.Index(fields=["send_after"], condition=Q(status="pending"), name="delivery_pending"),
            models.Index(
                fields=["recipient", "created_at"], condition=Q(kind="near_repeat"), name="delivery_near_repeat"
            ),
        ]


class PushSubscription(models.Model):
    """One browser or phone of a person that accepted notifications (Web Push, RFC 8030): the push
    service's endpoint and the keys the payload is encrypted with (RFC 8291). Created or refreshed
    by the page each time the browser reports it, removed when the push service answers 404/410."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(_("adresse du service de notification"), max_length=2000, unique=True)
    p256dh = models.CharField(max_length=120)
    auth = models.CharField(max_length=60)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appareil abonné aux notifications")
        verbose_name_plural = _("appareils abonnés aux notifications")

    def __str__(self) -> str:
        return self.user_agent or self.endpoint[:60]


class PushReceipt(models.Model):
    """A device that the push service accepted a delivery for, written in the same transaction
    that settles the delivery: a retry (another device failed) never pushes to this one again."""

    # Partitioned by the month of its delivery, so a month of deliveries and its receipts are dropped
    # together. No database foreign key: one pointing at a partitioned table makes PostgreSQL search
    # every detached month for receipts still pointing at it, the cost the partitions are there to avoid.
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    delivery_month = models.DateField(default=current_month, editable=False)
    # No database foreign key to the device either: a device removed while its push is in flight (the
    # person turns notifications off, or deletes the account) would fail the commit of the whole group
    # settled with it, and the group would be pushed again. Deleting a device still deletes its
    # receipts (on_delete); one written just after stays, pointing at no device, read by nothing, until
    # its month is dropped.
    subscription = models.ForeignKey(PushSubscription, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    pushed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "subscription", "delivery_month"], name="push_once_per_device")
        ]


class FollowedPlace(models.Model):
    """A place a resident follows beside their home neighbourhood: a circle around a point chosen on a
    map (a parent's street, a workplace), or "près de moi" around the phone's position for a few
    hours. The alerts whose public (generalised) location falls in the circle reach the follower, in
    the same statement as the residents. "Près de moi" rows carry `expires_at`: routing ignores them
    after it and a beat task deletes them, so the position is never kept beyond that time."""

    class Kind(models.TextChoices):
        PLACE = "place", _("lieu suivi")
        NEAR_ME = "near_me", _("près de moi")

    RADIUS_MIN_M, RADIUS_MAX_M = 200, 1000

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_places")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PLACE)
    label = models.CharField(_("nom du lieu"), max_length=80, blank=True)
    commune = models.ForeignKey(
        "zones.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune du centre")
    )
    centre = models.PointField(_("centre"), srid=4326)
    radius_m = models.PositiveIntegerField(_("rayon (m)"), help_text=_("De 200 m à 1 km."))
    # The circle as a polygon, indexed (GiST): routing asks ST_Covers(area, point), which the index
    # answers directly, where ST_DWithin with a radius per row cannot use an index on the centre
    # without a box of the largest radius (slower: bench/fanout_followers.py, bench/RESULTS.md).
    area = models.PolygonField(
        _("cercle"),
        srid=4326,
        help_text=_(
            "Le cercle tracé dans la projection azimutale équidistante centrée sur lui (distances vraies "
            "depuis le centre), polygone circonscrit : il contient tout le cercle."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta:
        verbose_name = _("lieu suivi")
        verbose_name_plural = _("lieux suivis")
        ordering = ["kind", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(radius_m__gte=200, radius_m__lte=1000), name="followed_radius_range"),
            models.CheckConstraint(
                condition=Q(kind="place", expires_at__isnull=True) | Q(kind="near_me", expires_at__isnull=False),
                name="near_me_expires_places_do_not",
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(kind="near_me"), name="near_me_once_per_user"),
        ]
        indexes = [models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="near_me_expiry")]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()


class PhoneVerification(models.Model):
    """A code sent by SMS to prove a mobile number. Only its hash is kept (Django's password
    hashers); it expires after DELIVERY_SMS_CODE_TTL_S and after DELIVERY_SMS_CODE_MAX_ATTEMPTS wrong
    tries. `agent` is the town hall agent who asked for it at the desk, if any."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone_number = models.CharField(_("numéro de téléphone mobile"), max_length=20)
    code_hash = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("vérification d'un numéro")
        verbose_name_plural = _("vérifications de numéros")
        indexes = [models.Index(fields=["user", "-created_at"], name="phone_verification_user")]


class SmsOptOut(models.Model):
    """A number that answered STOP: no SMS of any kind goes to it until it answers START."""

    phone_number = models.CharField(_("numéro de téléphone mobile"), max_length=20, unique=True)
    stopped_at = models.DateTimeField(_("désabonné le"), default=timezone.now)

    class Meta:
        verbose_name = _("numéro désabonné des SMS")
        verbose_name_plural = _("numéros désabonnés des SMS")


class InboundSms(models.Model):
    """A text message received on the commune's number through a provider's webhook. The provider's
    message id is unique: a webhook the provider sends again finds its row and changes nothing."""

    class Outcome(models.TextChoices):
        ALERT = "alert", _("alerte en attente de modération")
        STOP = "stop", _("désabonnement")
        START = "start", _("réabonnement")
        UNKNOWN_SENDER = "unknown_sender", _("numéro inconnu ou non vérifié")
        REFUSED = "refused", _("alerte refusée (limite, texte trop court)")

    provider = models.CharField(_("fournisseur"), max_length=40)
    provider_message_id = models.CharField(_("identifiant chez le fournisseur"), max_length=100)
    from_number = models.CharField(_("expéditeur"), max_length=20)
    to_number = models.CharField(_("numéro de la commune"), max_length=20, blank=True)
    text = models.TextField(_("texte"), max_length=2000)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    outcome = models.CharField(_("suite donnée"), max_length=20, choices=Outcome.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    alert = models.ForeignKey(Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reply = models.CharField(_("réponse envoyée"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("SMS reçu")
        verbose_name_plural = _("SMS reçus")
        constraints = [models.UniqueConstraint(fields=["provider", "provider_message_id"], name="inbound_sms_once")]
        indexes = [models.Index(fields=["from_number", "-received_at"], name="inbound_sms_sender")]
