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
from alerts import moderation, photos, posting, selectors
from alerts.forms import AlertPostForm, MergeForm, RedactForm, RejectForm
from alerts.highlighting import highlights_of, segments_of
from alerts.models import Alert
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
        "photos_limit": settings.ALERTS_PHOTOS_PER_ALERT,
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
    alerts = Alert.objects.filter(author=request.user).select_related("category", "commune").order_by("-created_at")
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/my_alerts.html", {"page": page})


@staff_page
def moderation_queue_view(request):
    communes = selectors.moderated_communes(request.user)
    if not communes.exists():
        raise Http404
    commune_code = request.GET.get("commune") or None
    page = Paginator(selectors.moderation_queue(request.user, commune_code=commune_code), 50).get_page(
        request.GET.get("page")
    )
    duplicates = selectors.duplicate_suggestions([alert.pk for alert in page])
    photos.photos_for_review_prefetch(list(page))
    now = timezone.now()
    items = [
        {
            "alert": alert,
            "age": now - alert.created_at,
            "segments": segments_of(alert.description, highlights_of(alert.description)),
            "duplicates": duplicates[alert.pk],
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
        "redactions": redactions,
    }
    return render(request, "alerts/moderation_queue.html", context)


def _blur_fields(post) -> dict[int, list]:
    """The regions drawn on each photo: `photo-blur-<id>` = JSON [[x, y, w, h], ...] in fractions."""
    regions = {}
    for name, value in post.items():
        photo_id = name.removeprefix("photo-blur-")
        if photo_id != name and photo_id.isdigit():
            regions[int(photo_id)] = json.loads(value or "[]")
    return regions


def _run_action(request, alert: Alert, action: str) -> None:
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
        moderation.alert_publish(alert=alert, moderator=request.user)
    elif action == "reject":
        moderation.alert_reject(alert=alert, moderator=request.user, reason=data["reason"], note=data["note"])
    elif action == "redact":
        moderation.alert_redact(alert=alert, moderator=request.user, description=data["description"])
    elif action == "merge":
        target = selectors.alerts_moderated_by(request.user).filter(pk=data["into"]).first()
        if target is None:
            raise ValueError(_("Alerte cible introuvable parmi vos communes."))
        moderation.alert_merge(alert=alert, moderator=request.user, target=target)
    elif action == "restore":
        moderation.alert_redaction_restore(alert=alert, moderator=request.user)
    else:
        raise Http404


@staff_page
def moderation_action_view(request, alert_id: int, action: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    alert = get_object_or_404(selectors.alerts_moderated_by(request.user), pk=alert_id)
    try:
        with transaction.atomic():
            _run_action(request, alert, action)
    except AlertTransitionConflict as error:
        messages.warning(request, _("Alerte n° {id} : {message}").format(id=alert_id, message=error.message))
    except (ValueError, ValidationError) as error:
        detail = " ".join(getattr(error, "messages", None) or [str(error)])
        messages.error(request, _("Alerte n° {id} : {message}").format(id=alert_id, message=detail))
    else:
        messages.success(request, _("Alerte n° {id} : c'est fait.").format(id=alert_id))
    back = reverse("moderation-queue")
    if request.POST.get("commune"):
        back += "?" + urlencode({"commune": request.POST["commune"]})
    return redirect(back)
