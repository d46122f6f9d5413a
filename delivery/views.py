"""Pages of the inbox, notification preferences and town-hall broadcasts."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.selectors import staffed_communes
from accounts.views import referent_required
from alerts.models import AlertCategory
from alerts.selectors import published_photos
from delivery.broadcasts import (
    broadcast_area_parse,
    broadcast_build,
    broadcast_correct,
    broadcast_delivery_counts,
    broadcast_preview,
    broadcast_preview_digest,
    broadcast_send,
    broadcast_withdraw,
    broadcasts_visible_to,
)
from delivery.channels.push import application_server_key
from delivery.devices import push_devices_of
from delivery.inbox import (
    inbox_counts,
    inbox_mark_read,
    inbox_of,
    preference_of,
    preference_update,
)
from delivery.messages import message_of, message_path_around_id, messages_of
from delivery.models import Broadcast, BroadcastRelay, Delivery, Reminder
from delivery.relaying import broadcast_relay, relayable_broadcasts
from delivery.reminders.library import THEMES, ready_texts
from delivery.reminders.scheduling import reminder_cancel, reminder_schedule, reminders_of
from zones.models import Zone
from zones.outlines import commune_outlines, neighbourhood_outlines


@login_required
def inbox_page(request):
    total, unread = inbox_counts(request.user)
    paginator = Paginator(inbox_of(request.user), 20)
    paginator.count = total  # counted above with the unread ones: the paginator need not count again
    page = paginator.get_page(request.GET.get("page"))
    deliveries = list(page)
    before, after = message_path_around_id()
    paths = [f"{before}{delivery.id}{after}" for delivery in deliveries]
    items = list(zip(deliveries, messages_of(deliveries), paths, strict=True))
    context = {"page": page, "items": items, "unread": unread}
    return render(request, "delivery/inbox.html", context)


@login_required
def inbox_message_page(request, delivery_id: int):
    try:
        delivery = inbox_mark_read(user=request.user, delivery_id=delivery_id)
    except Delivery.DoesNotExist as error:
        raise Http404 from error
    context = {"delivery": delivery, "message": message_of(delivery), "photos": published_photos(delivery.alert_id)}
    return render(request, "delivery/message.html", context)


class PreferenceForm(forms.Form):
    by_email = forms.BooleanField(label=gettext_lazy("Recevoir les messages par courriel"), required=False)
    by_sms = forms.BooleanField(label=gettext_lazy("Recevoir les messages par SMS"), required=False)
    by_push = forms.BooleanField(
        label=gettext_lazy("Recevoir les messages en notification sur mes appareils"),
        required=False,
        help_text=gettext_lazy("Gratuit. Activez les notifications sur chaque téléphone ou ordinateur concerné."),
    )
    phone_number = forms.RegexField(
        regex=r"^\+?[0-9 .]{6,20}$", label=gettext_lazy("Numéro de mobile"), required=False, max_length=20
    )
    quiet_start = forms.TimeField(label=gettext_lazy("Heures calmes : début"), required=False)
    quiet_end = forms.TimeField(label=gettext_lazy("Heures calmes : fin"), required=False)
    prevention_notices = forms.BooleanField(
        label=gettext_lazy("Conseils de prévention après un cambriolage proche"), required=False
    )
    muted_categories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Catégories que je ne souhaite pas recevoir"),
        queryset=AlertCategory.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


@login_required
def preferences_page(request):
    preference = preference_of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                preference_update(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field, errors)
            else:
                messages.success(request, _("Vos préférences sont enregistrées."))
                return redirect("notification-preferences")
    else:
        initial = {
            name: getattr(preference, name) for name in PreferenceForm.base_fields if name != "muted_categories"
        }
        initial["muted_categories"] = list(preference.muted_categories.all()) if preference.pk else []
        form = PreferenceForm(initial=initial)
    context = {"form": form, "push_key": application_server_key(), "push_devices": push_devices_of(request.user)}
    return render(request, "delivery/preferences.html", context)


class BroadcastForm(forms.Form):
    commune = forms.ModelChoiceField(label=gettext_lazy("Commune"), queryset=None)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=Broadcast.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=150)
    body = forms.CharField(label=gettext_lazy("Message"), max_length=2000, widget=forms.Textarea)
    target = forms.ChoiceField(label=gettext_lazy("Destinataires"), choices=Broadcast.Target.choices)
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Quartiers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    # The map fills this field; typed by hand only where the map cannot show (no JavaScript).
    area = forms.CharField(
        label=gettext_lazy("Sans la carte : zone en GeoJSON"),
        help_text=gettext_lazy(
            "Si la carte ne s'affiche pas, collez ici un polygone GeoJSON en longitude/latitude, par exemple "
            '{"type": "Polygon", "coordinates": [[[4.66, 43.80], [4.67, 43.80], [4.67, 43.81], [4.66, 43.80]]]}.'
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    by_email = forms.BooleanField(label=gettext_lazy("Par courriel"), required=False, initial=True)
    by_sms = forms.BooleanField(label=gettext_lazy("Par SMS"), required=False)
    whole_commune_confirmed = forms.BooleanField(
        label=gettext_lazy("Je confirme l'envoi à toute la commune : chaque habitant inscrit recevra ce message."),
        required=False,
    )
    # The digest of the message last previewed: what leaves is what was read.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        if len(communes) == 1:  # nothing to choose: the only commune is selected
            self.fields["commune"].empty_label = None
            self.fields["commune"].initial = communes[0].pk
        self.fields["neighbourhoods"].queryset = (
            Zone.objects.current().filter(commune__in=communes, kind=Zone.Kind.NEIGHBOURHOOD).select_related("commune")
        )

    def clean(self):
        data = super().clean()
        if data.get("target") == Broadcast.Target.AREA and data.get("commune"):
            if not data.get("area"):
                self.add_error("area", _("Dessinez la zone à prévenir."))
            else:
                try:
                    data["area"] = broadcast_area_parse(geojson=data["area"], commune=data["commune"])
                except ValidationError as error:
                    self.add_error("area", error)
        else:
            data["area"] = None
        return data

    def broadcast_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("whole_commune_confirmed", "previewed")}

    def mark_previewed(self, digest: str) -> None:
        self.data = self.data.copy()
        self.data["previewed"] = digest


@login_required
def broadcasts_page(request):
    """Write, preview (the email and text as residents get them, the recipients by channel), then send:
    nothing leaves on the first click."""
    communes = staffed_communes(request.user)
    if not communes.exists():
        raise Http404
    form = BroadcastForm(request.POST or None, communes=communes)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            broadcast = broadcast_build(author=request.user, **form.broadcast_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            sent = _send_if_confirmed(request, form, broadcast)
            if sent:
                messages.success(request, _("Message envoyé à %(n)s habitants.") % {"n": sent.recipients})
                return redirect("broadcast-detail", broadcast_id=sent.id)
            preview = broadcast_preview(broadcast=broadcast)
            form.mark_previewed(preview.digest)
    page = Paginator(broadcasts_visible_to(request.user), 30).get_page(request.GET.get("page"))
    map_config = {
        "tiles": settings.MAPS_TILE_URL,
        "attribution": settings.MAPS_TILE_ATTRIBUTION,
        "communes": commune_outlines(communes),
        "neighbourhoods": neighbourhood_outlines(communes),
    }
    context = {"form": form, "page": page, "map_config": map_config, "preview": preview}
    return render(request, "delivery/broadcasts.html", context)


def _send_if_confirmed(request, form: BroadcastForm, broadcast: Broadcast) -> Broadcast | None:
    """Send when asked from a preview of this very message; otherwise (first click, message changed
    since its preview, whole commune not confirmed) say why and show the preview."""
    if request.POST.get("step") != "send":
        return None
    if form.cleaned_data["previewed"] != broadcast_preview_digest(broadcast):
        form.add_error(None, _("Le message a changé depuis l'aperçu : relisez-le ci-dessous, puis envoyez-le."))
        return None
    try:
        return broadcast_send(
            author=request.user,
            whole_commune_confirmed=form.cleaned_data["whole_commune_confirmed"],
            **form.broadcast_fields(),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


class BroadcastCorrectForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=150)
    body = forms.CharField(label=gettext_lazy("Message"), max_length=2000, widget=forms.Textarea)
    note = forms.CharField(label=gettext_lazy("Motif de la correction"), max_length=300, required=False)


class BroadcastWithdrawForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Motif du retrait"), max_length=300, required=False)


def _broadcast_revise(request, broadcast: Broadcast, correct_form, withdraw_form) -> bool:
    """Apply the posted correction or withdrawal; True once done, False with the form's errors."""
    action = request.POST.get("action")
    form = correct_form if action == "correct" else withdraw_form if action == "withdraw" else None
    if form is None or not form.is_valid():
        return False
    try:
        if action == "correct":
            broadcast_correct(broadcast=broadcast, author=request.user, **form.cleaned_data)
            messages.success(request, _("Message corrigé : les boîtes de réception montrent le texte corrigé."))
        else:
            broadcast_withdraw(broadcast=broadcast, author=request.user, **form.cleaned_data)
            messages.success(request, _("Message retiré : les envois qui attendaient ne partiront pas."))
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@login_required
def broadcast_detail_page(request, broadcast_id: int):
    broadcast = get_object_or_404(broadcasts_visible_to(request.user), id=broadcast_id)
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if posted else None
    correct_form = BroadcastCorrectForm(
        posted if action == "correct" else None, initial={"title": broadcast.title, "body": broadcast.body}
    )
    withdraw_form = BroadcastWithdrawForm(posted if action == "withdraw" else None)
    if posted is not None and _broadcast_revise(request, broadcast, correct_form, withdraw_form):
        return redirect("broadcast-detail", broadcast_id=broadcast.id)
    context = {
        "broadcast": broadcast,
        "counts": broadcast_delivery_counts(broadcast),
        "revisions": broadcast.revisions.select_related("author"),
        "correct_form": correct_form,
        "withdraw_form": withdraw_form,
    }
    return render(request, "delivery/broadcast.html", context, status=400 if posted is not None else 200)


# --- a référent relays the town hall's messages -------------------------------------------------


@referent_required
def referent_broadcasts_page(request):
    """The town hall's recent messages a référent may relay to their neighbourhoods."""
    try:
        broadcasts = list(relayable_broadcasts(request.user)[:30])
    except PermissionDenied:
        return redirect("referent-home")  # the référent charter comes first
    relayed = set(
        BroadcastRelay.objects.filter(relayed_by=request.user, broadcast__in=broadcasts).values_list(
            "broadcast_id", flat=True
        )
    )
    return render(request, "delivery/referent_broadcasts.html", {"broadcasts": broadcasts, "relayed": relayed})


@referent_required
@require_POST
def referent_relay(request, broadcast_id: int):
    try:
        relay = broadcast_relay(broadcast_id=broadcast_id, user=request.user)
    except Broadcast.DoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Message relayé : %(n)s voisins qui ne l'avaient pas reçu le reçoivent.") % {"n": relay.recipients},
        )
    return redirect("referent-broadcasts")


# --- good-practice reminders ---------------------------------------------------------------------


class ReminderForm(forms.Form):
    commune = forms.ModelChoiceField(label=gettext_lazy("Commune"), queryset=None)
    text_key = forms.ChoiceField(label=gettext_lazy("Texte"), widget=forms.RadioSelect)
    language = forms.ChoiceField(label=gettext_lazy("Langue du message"), choices=settings.LANGUAGES)
    send_at = forms.DateTimeField(
        label=gettext_lazy("Envoyer le"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    target = forms.ChoiceField(label=gettext_lazy("Destinataires"), choices=Reminder.Target.choices)
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Quartiers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, communes, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["commune"].initial = communes.first()
        self.fields["language"].initial = language
        self.fields["text_key"].choices = [
            (text.key, f"{THEMES[text.theme]} · {text.in_language(language)[0]}") for text in ready_texts().values()
        ]
        self.fields["neighbourhoods"].queryset = (
            Zone.objects.current().filter(commune__in=communes, kind=Zone.Kind.NEIGHBOURHOOD).order_by("name")
        )


@login_required
def reminders_page(request):
    """Schedule a ready text of the library to the commune or some neighbourhoods; the list of what is
    scheduled and what has left."""
    communes = staffed_communes(request.user)
    if not communes.exists():
        raise Http404
    language = translation.get_language()
    form = ReminderForm(request.POST or None, communes=communes, language=language)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            reminder_schedule(author=request.user, **{**data, "neighbourhoods": list(data["neighbourhoods"])})
        except ValidationError as error:
            form.add_error(None, error)  # its fields' errors land on the fields (all are the form's)
        else:
            messages.success(request, _("Rappel programmé."))
            return redirect("reminders")
    texts = [(text, *text.in_language(language)) for text in ready_texts().values()]
    context = {
        "form": form,
        "reminders": reminders_of(request.user)[:100],
        "texts": texts,
        "min_days": settings.DELIVERY_REMINDER_MIN_DAYS,
    }
    return render(request, "delivery/reminders.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def reminder_cancel_page(request, reminder_id: int):
    try:
        reminder_cancel(reminder_id=reminder_id, user=request.user)
    except Reminder.DoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rappel annulé."))
    return redirect("reminders")
