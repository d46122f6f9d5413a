"""The French pages: posting with the reminder, the resident's own alerts, the moderation queue."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.otp import staff_page
from alerts import moderation, participation, photos, posting, selectors
from alerts.forms import AlertPostForm, AppealDecisionForm, AppealForm, MergeForm, RedactForm, RejectForm
from alerts.highlighting import KIND_EXPLANATIONS, KIND_LABELS, highlights_of, segments_of
from alerts.models import Alert, AlertCategory, RejectionReason
from alerts.models.moderation import AlertRedaction
from alerts.transitions import AlertTransitionConflict


def _post_from_form(request, form: AlertPostForm, residence):
    """Run the posting service on a parsed form; put its refusals on the form's fields."""
    data = form.cleaned_data
    try:
        return posting.alert_post(
            author=request.user,
            residence=residence,
            data=posting.PostingInput(
                lon=data["lon"],
                lat=data["lat"],
                occurred_at=data["occurred_at"],
                category=data["category"],
                description=data["description"],
                emergency_notice_acknowledged=data["emergency_notice_acknowledged"],
                behaviour=data["behaviour"],
                vehicle_type=data["vehicle_type"],
                vehicle_colour=data["vehicle_colour"],
                direction=data["direction"],
            ),
        )
    except posting.PostingInvalid as error:
        for field, field_messages in error.errors.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
    return None


@login_required
def alert_post_view(request):
    eligibility = posting.posting_eligibility(request.user)
    if eligibility.refusal:
        return render(request, "alerts/post.html", {"refusal": eligibility.refusal}, status=403)
    residence = eligibility.residence
    form = AlertPostForm(request.POST or None)
    uploads = request.FILES.getlist("photos")
    if request.method == "POST" and form.is_valid() and _photos_acceptable(form, uploads):
        try:
            with transaction.atomic():
                alert = _post_from_form(request, form, residence)
                if alert is not None and uploads:
                    photos.alert_photos_attach(alert=alert, author=request.user, uploads=uploads)
        except photos.PhotoInvalid as error:
            alert = None
            for message in error.messages:
                form.add_error(None, message)
        except posting.PostingRateLimited as error:
            minutes = max(1, round(error.retry_after / 60))
            form.add_error(None, _("Trop d'alertes en une heure : réessayez dans {n} minutes.").format(n=minutes))
            response = render(request, "alerts/post.html", _post_context(form, residence), status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        if alert is not None:
            messages.success(request, _("Merci. Votre alerte sera lue par un modérateur avant d'être publiée."))
            return redirect("my-alerts")
    status = 400 if form.errors else 200
    return render(request, "alerts/post.html", _post_context(form, residence), status=status)


def _photos_acceptable(form: AlertPostForm, uploads: list) -> bool:
    """Type, size, pixels and count of the photos, checked before anything is written."""
    try:
        photos.photo_uploads_validate(uploads)
    except photos.PhotoInvalid as error:
        for message in error.messages:
            form.add_error(None, message)
        return False
    return True


def _post_context(form: AlertPostForm, residence) -> dict:
    """The form, the reminder, and what the little map needs: the extent of the resident's commune."""
    commune = residence.commune
    return {
        "form": form,
        "notice": posting.EMERGENCY_NOTICE,
        "highlight_kinds": [(kind, KIND_LABELS[kind], KIND_EXPLANATIONS[kind]) for kind in KIND_LABELS],
        "posting_config": {
            "highlights": reverse("api-posting-highlights"),
            "nearby": reverse("api-posting-nearby"),
            "confirm": reverse("alert-confirm", args=[0]),
            "strings": {
                "highlight_title": _("Avant d'envoyer : ces passages seraient signalés au modérateur."),
                "number": _("n° {id}"),
                "seen_too": _("Je l'ai vu aussi"),
                "confirmed": _("Vous l'avez déjà confirmée."),
            },
        },
        "photos_limit": settings.ALERTS_PHOTOS_PER_ALERT,
        # Address suggestions above the map stay in the resident's commune.
        "commune_code": commune.code,
        "map_config": {
            "extent": list(commune.boundary.extent),
            # Simplified (about 10 m) for drawing only: the outline tells residents where they may post.
            "boundary": json.loads(commune.boundary.simplify(0.0001, preserve_topology=True).geojson),
            "tiles": settings.MAPS_TILE_URL,
            "attribution": settings.MAPS_TILE_ATTRIBUTION,
        },
    }


@login_required
def my_alerts_view(request):
    alerts = (
        Alert.objects.filter(author=request.user)
        .select_related("category", "commune", "appeal")
        .order_by("-created_at")
    )
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/my_alerts.html", {"page": page, "appeal_form": AppealForm()})


def _post_only(view):
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@_post_only
def alert_confirm_view(request, alert_id: int):
    """ "Je l'ai vu aussi": one confirmation of an existing alert instead of a new post."""
    eligibility = posting.posting_eligibility(request.user)
    if eligibility.refusal:
        return render(request, "alerts/post.html", {"refusal": eligibility.refusal}, status=403)
    residence = eligibility.residence
    alert = get_object_or_404(selectors.alerts_confirmable_by(residence), pk=alert_id)
    try:
        participation.alert_confirm(alert=alert, resident=request.user, residence=residence)
    except participation.AlreadyConfirmed:
        messages.info(request, participation.ALREADY_CONFIRMED)
    except AlertTransitionConflict as error:
        messages.warning(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Merci : vous avez confirmé l'alerte n° {id}. Les modérateurs et la police voient le nombre "
                "de confirmations."
            ).format(id=alert_id),
        )
    return redirect("my-alerts")


@login_required
@_post_only
def alert_appeal_view(request, alert_id: int):
    alert = get_object_or_404(Alert.objects.filter(author=request.user), pk=alert_id)
    form = AppealForm(request.POST)
    try:
        if not form.is_valid():
            raise ValueError(" ".join(str(m) for errors in form.errors.values() for m in errors))
        participation.appeal_file(alert=alert, author=request.user, statement=form.cleaned_data["statement"])
    except AlertTransitionConflict as error:
        messages.warning(request, error.message)
    except (ValueError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
    else:
        messages.success(
            request,
            _("Recours envoyé : un autre modérateur de la commune relira l'alerte n° {id}.").format(id=alert_id),
        )
    return redirect("my-alerts")


@staff_page
def moderation_queue_view(request):
    communes = selectors.moderated_communes(request.user)
    if not communes.exists():
        raise Http404
    commune_code = request.GET.get("commune") or None
    queue = selectors.with_confirmation_count(selectors.moderation_queue(request.user, commune_code=commune_code))
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    duplicates = selectors.duplicate_suggestions([alert.pk for alert in page])
    neighbourhoods = selectors.author_neighbourhoods([alert.author_id for alert in page])
    photos.photos_for_review_prefetch(list(page))
    now = timezone.now()
    items = [
        {
            "alert": alert,
            "age": now - alert.created_at,
            "segments": segments_of(alert.description, highlights_of(alert.description)),
            "behaviour_segments": segments_of(alert.behaviour, highlights_of(alert.behaviour)),
            "duplicates": duplicates[alert.pk],
            "map": _moderation_map(alert, neighbourhoods.get(alert.author_id)),
            "map_id": f"carte-alerte-{alert.pk}",
        }
        for alert in page
    ]
    redactions = (
        AlertRedaction.objects.filter(restored_at__isnull=True, alert__commune__in=communes)
        .select_related("alert", "alert__commune")
        .order_by("-created_at")[:20]
    )
    context = {
        "items": items,
        "page": page,
        "communes": communes,
        "commune_code": commune_code,
        "reject_form": RejectForm(),
        "categories": AlertCategory.objects.filter(is_active=True),
        "redactions": redactions,
        "appeals": selectors.appeals_to_decide(request.user)[:50],
        "tiles": {"url": settings.MAPS_TILE_URL, "attribution": settings.MAPS_TILE_ATTRIBUTION},
    }
    return render(request, "alerts/moderation_queue.html", context)


def _moderation_map(alert: Alert, neighbourhood) -> dict:
    """The alert's point and the outline of its author's home neighbourhood (never the home itself),
    for the moderator to judge whether the place is plausible."""
    outline = None
    if neighbourhood is not None:
        outline = json.loads(neighbourhood.boundary.simplify(0.0001, preserve_topology=True).geojson)
    return {
        "point": [alert.location.x, alert.location.y],
        "neighbourhood": outline,
        "neighbourhood_name": neighbourhood.name if neighbourhood is not None else "",
    }


def _blur_fields(post) -> dict[int, list]:
    """The regions drawn on each photo: `photo-blur-<id>` = JSON [[x, y, w, h], ...] in fractions."""
    regions = {}
    for name, value in post.items():
        photo_id = name.removeprefix("photo-blur-")
        if photo_id != name and photo_id.isdigit():
            regions[int(photo_id)] = json.loads(value or "[]")
    return regions


def _chosen_category(request) -> AlertCategory | None:
    """The category a moderator chose on publishing (alerts sent by SMS), or None to keep it."""
    code = request.POST.get("category", "")
    if not code:
        return None
    category = AlertCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise ValueError(_("Catégorie inconnue : « {code} ».").format(code=code))
    return category


def _run_action(request, alert: Alert, action: str) -> str:
    """Run the moderator's action; return what was done, in words, for the confirmation."""
    forms = {"reject": RejectForm, "redact": RedactForm, "merge": MergeForm}
    data = {}
    if action in forms:
        form = forms[action](request.POST)
        if not form.is_valid():
            raise ValueError(" ".join(str(m) for errors in form.errors.values() for m in errors))
        data = form.cleaned_data
    if action in ("publish", "redact"):
        photos.alert_photos_review(alert=alert, moderator=request.user, regions_by_photo=_blur_fields(request.POST))
    if action == "publish":
        moderation.alert_publish(alert=alert, moderator=request.user, category=_chosen_category(request))
        return _("Alerte n° {id} publiée.").format(id=alert.pk)
    if action == "reject":
        moderation.alert_reject(alert=alert, moderator=request.user, reason=data["reason"], note=data["note"])
        return _("Alerte n° {id} refusée : {reason}.").format(
            id=alert.pk, reason=RejectionReason(data["reason"]).label
        )
    if action == "redact":
        moderation.alert_redact(alert=alert, moderator=request.user, description=data["description"])
        return _("Alerte n° {id} publiée avec votre texte modifié (l'original est conservé).").format(id=alert.pk)
    if action == "merge":
        target = selectors.alerts_moderated_by(request.user).filter(pk=data["into"]).first()
        if target is None:
            raise ValueError(_("Alerte cible introuvable parmi vos communes."))
        moderation.alert_merge(alert=alert, moderator=request.user, target=target)
        return _("Alerte n° {id} fusionnée dans l'alerte n° {target}.").format(id=alert.pk, target=target.pk)
    if action == "restore":
        moderation.alert_redaction_restore(alert=alert, moderator=request.user)
        return _("Alerte n° {id} : texte d'origine restauré.").format(id=alert.pk)
    raise Http404


@staff_page
def moderation_action_view(request, alert_id: int, action: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    alert = get_object_or_404(selectors.alerts_moderated_by(request.user), pk=alert_id)
    try:
        with transaction.atomic():
            done = _run_action(request, alert, action)
    except AlertTransitionConflict as error:
        messages.warning(request, _("Alerte n° {id} : {message}").format(id=alert_id, message=error.message))
    except (ValueError, ValidationError) as error:
        detail = " ".join(getattr(error, "messages", None) or [str(error)])
        messages.error(request, _("Alerte n° {id} : {message}").format(id=alert_id, message=detail))
    else:
        messages.success(request, done)
    return _back_to_queue(request)


def _back_to_queue(request):
    back = reverse("moderation-queue")
    if request.POST.get("commune"):
        back += "?" + urlencode({"commune": request.POST["commune"]})
    return redirect(back)


@staff_page
def appeal_decide_view(request, appeal_id: int, action: str):
    """A second moderator of the commune upholds the refusal or publishes the alert; the moderator
    who refused never finds the appeal here (404)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services = {"uphold": participation.appeal_uphold, "publish": participation.appeal_publish}
    if action not in services:
        raise Http404
    appeal = get_object_or_404(selectors.appeals_to_decide(request.user), pk=appeal_id)
    form = AppealDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services[action](appeal=appeal, moderator=request.user, note=note)
    except AlertTransitionConflict as error:
        messages.warning(request, _("Alerte n° {id} : {message}").format(id=appeal.alert_id, message=error.message))
    else:
        done = {
            "uphold": _("Recours sur l'alerte n° {id} : refus confirmé."),
            "publish": _("Recours sur l'alerte n° {id} : alerte publiée."),
        }[action]
        messages.success(request, done.format(id=appeal.alert_id))
    return _back_to_queue(request)
