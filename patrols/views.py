"""Pages of Opération Tranquillité Vacances: the resident's declarations (phone first), the agent's
round (list, map, visit buttons) and its printable sheet."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import agent_service_ids_or_403, residence_or_403
from accounts.selectors import time_zone_of
from patrols import rounds, selectors, services
from patrols.access import local_today, round_day
from patrols.forms import AbsenceForm


def _save(request, form, save):
    """Run the service with the form's data; its refusals land on the form."""
    if not form.is_valid():
        return False
    try:
        save(**form.cleaned_data)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


@login_required
def absences_page(request):
    residence = residence_or_403(request.user)
    form = AbsenceForm(request.POST or None)
    if request.method == "POST":
        create = lambda **data: services.absence_create(resident=request.user, residence=residence, **data)  # noqa: E731
        if _save(request, form, create):
            messages.success(request, _("Absence déclarée : la police municipale de votre secteur en est informée."))
            return redirect("absences")
    context = {"form": form, "residence": residence, "absences": selectors.absences_of(request.user)}
    return render(request, "patrols/absences.html", context, status=400 if form.errors else 200)


@login_required
def absence_edit_page(request, absence_id: int):
    residence_or_403(request.user)
    absence = get_object_or_404(selectors.absences_of(request.user).filter(cancelled_at__isnull=True), pk=absence_id)
    form = AbsenceForm(request.POST or None, instance=absence)
    update = lambda **data: services.absence_update(absence=absence, **data)  # noqa: E731
    if request.method == "POST" and _save(request, form, update):
        messages.success(request, _("Absence modifiée."))
        return redirect("absences")
    return render(
        request, "patrols/absence_edit.html", {"form": form, "absence": absence}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def absence_cancel(request, absence_id: int):
    residence_or_403(request.user)
    absence = get_object_or_404(selectors.absences_of(request.user), pk=absence_id)
    services.absence_cancel(absence=absence)
    messages.success(request, _("Absence annulée."))
    return redirect("absences")


def _round(request):
    service_ids = agent_service_ids_or_403(request.user)
    day, form = round_day(request.user, request.GET)
    if day is None:
        return None, form, service_ids
    stops = rounds.round_stops(service_ids=service_ids, day=day, time_zone=time_zone_of(request.user))
    return rounds.round_rows(stops), form, service_ids


@login_required
def round_page(request):
    absences, form, _services = _round(request)
    if absences is None:
        return HttpResponseBadRequest(" ".join(form.errors.get("day", [])))
    context = {
        "form": form,
        "day": form.cleaned_data["day"],
        "is_today": form.cleaned_data["day"] == local_today(request.user),
        "absences": absences,
        "page_settings": {
            "tileUrl": settings.MAPS_TILE_URL,
            "tileAttribution": settings.MAPS_TILE_ATTRIBUTION,
            "strings": {
                "saved": _("Passage enregistré : l'habitant reçoit un avis de passage."),
                "again": _("Passage déjà enregistré il y a quelques minutes."),
                "noPosition": _("Position du téléphone indisponible : autorisez la localisation pour enregistrer."),
                "error": _("Le passage n'a pas pu être enregistré (erreur {status})."),
                "visited": _("Visité"),
            },
        },
    }
    return render(request, "patrols/round.html", context)


@login_required
def round_print_page(request):
    absences, form, _services = _round(request)
    if absences is None:
        return HttpResponseBadRequest(" ".join(form.errors.get("day", [])))
    return render(request, "patrols/round_print.html", {"absences": absences, "day": form.cleaned_data["day"]})
