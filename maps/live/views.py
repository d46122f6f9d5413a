"""Map pages: the police live map and its event stream, the resident's neighbourhood map and the
town hall's commune map."""

import re
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertCategory, Family
from maps.live import access, listener, rendering, selectors
from maps.live.forms import CommuneAlertFilterForm
from maps.live.geojson import GeneralisedAlertFeatureSerializer
from maps.live.stream import alert_event_stream
from standards.vector_tiles import tile_url_template


def map_settings() -> dict:
    """What every map script needs: tiles, colours and labels, as one JSON object."""
    return {
        "tileUrl": settings.MAPS_TILE_URL,
        "tileAttribution": settings.MAPS_TILE_ATTRIBUTION,
        "familyColours": rendering.FAMILY_COLOURS,
        "familyLabels": dict(Family.choices),
        "followUpLabels": dict(Alert.FollowUp.choices),
        "layerLabels": {"neighbourhoods": _("Quartiers"), "sectors": _("Secteurs de police"), "alerts": _("Alertes")},
    }


def boundary_tiles(*collections: str, highlight: list[str], bounds: tuple[float, ...] | None) -> dict:
    """What a page needs to draw its boundary layers from the vector tiles (standards/) rather than
    embedding them as GeoJSON: each collection's URL template, the boundaries to draw in full
    (`highlight`: commune codes, or "commune code/zone name" keys, as the tiles' properties say),
    and the box to fit the map to, [west, south, east, north]."""
    return {
        "zoneTiles": {collection: tile_url_template(collection) for collection in collections},
        "highlight": highlight,
        "fitBounds": list(bounds) if bounds else None,
    }


def zone_keys(zones) -> list[str]:
    return [f"{zone.commune.code}/{zone.name}" for zone in zones]


def police_live_strings() -> dict:
    """The live map script's sentences, in the page's language; {names} are filled in by the script."""
    return {
        "live": _("En direct"),
        "seenToo": _("vu aussi par {n} autre(s) habitant(s)"),
        "retrying": _("Direct interrompu, nouvelle tentative…"),
        "reconnecting": _("Direct interrompu, reconnexion…"),
        "cut": _("Direct coupé"),
        "newAlert": _("Nouvelle alerte : {category} à {commune}"),
        "shown": _("{shown} alerte(s) affichée(s) sur {total}"),
        "acknowledge": _("Prendre en compte"),
        "inProgress": _("Intervention en cours"),
        "close": _("Clôturer"),
        "outcomeLabel": _("Issue (obligatoire pour clôturer)"),
        "outcomeRequired": _("Indiquez l'issue pour clôturer l'alerte."),
        "confirmClose": _("Confirmer la clôture"),
        "cancel": _("Annuler"),
        "noMove": _("Suivi terminé."),
        "assignedTo": _("Confiée à"),
        "nobody": _("(personne)"),
        "notes": _("Notes internes"),
        "noteLabel": _("Nouvelle note interne"),
        "addNote": _("Ajouter la note"),
        "saved": _("Enregistré. Suivi : {label}."),
        "roundLayer": _("Ronde du jour (absences)"),
        "roundPage": _("Ouvrir la ronde"),
        "networkError": _("Le suivi n'a pas pu être enregistré : réseau indisponible."),
        "error": _("Le suivi n'a pas pu être enregistré (erreur {status})."),
    }


@login_required
def police_live_map(request):
    service_ids = access.agent_service_ids_or_403(request.user)
    sectors = selectors.police_sectors(service_ids)
    context = {
        "map_settings": {
            **map_settings(),
            **boundary_tiles(
                "police_sectors",
                highlight=zone_keys(sectors.defer("boundary")),
                bounds=selectors.zones_extent(sectors),
            ),
            "sinceEventId": selectors.alert_event_last_id(service_ids),
            "liveHours": settings.MAPS_LIVE_HOURS,
            "strings": police_live_strings(),
            "agents": [{"id": agent.id, "name": str(agent)} for agent in selectors.service_agents(service_ids)],
            "categories": [
                {"code": c.code, "label": c.display_label, "family": c.family} for c in AlertCategory.objects.all()
            ],
        },
        "live_hours": settings.MAPS_LIVE_HOURS,
        "categories": AlertCategory.objects.all(),
        "follow_ups": Alert.FollowUp.choices,
    }
    return render(request, "maps/live/police.html", context)


def _stream_start(request) -> tuple[list[int], int | None] | HttpResponseBadRequest:
    try:
        service_ids = access.agent_service_ids_or_403(request.user)
    finally:
        # The stream lasts a whole shift: give back the connection that read the session now,
        # or every connected agent would hold a PostgreSQL backend (the process's hub reads). A
        # connection inside a transaction belongs to whoever opened it, and is left alone.
        connection = connections["default"]
        if not connection.in_atomic_block:
            connection.close()
    raw = request.headers.get("Last-Event-ID") or request.GET.get("since")
    if raw in (None, ""):
        return service_ids, None
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        return HttpResponseBadRequest(_("Last-Event-ID (ou since) doit être un identifiant d'événement entier."))
    return service_ids, int(raw)


async def police_alert_stream(request):
    """Server-Sent Events: every alert event of the agent's police services, live, after replaying
    those since the browser's Last-Event-ID. Runs under ASGI (uvicorn)."""
    start = await sync_to_async(_stream_start)(request)
    if isinstance(start, HttpResponseBadRequest):
        return start
    service_ids, last_event_id = start
    hub, session_key = listener.hub(), request.session.session_key
    checked_at, allowed = time.monotonic(), True

    async def still_allowed() -> bool:
        # Any change of scope ends the stream too: the reconnection gets the new one. The answer is
        # kept for MAPS_LIVE_ACCESS_RECHECK_S, and the hub answers the checks of all its streams
        # asked together in one batch of queries; a revoked agent may get events for that long.
        nonlocal checked_at, allowed
        recheck_s = settings.MAPS_LIVE_ACCESS_RECHECK_S
        if time.monotonic() - checked_at >= recheck_s:
            checked_at, services = await hub.access(session_key, max_age_s=recheck_s)
            allowed = services == service_ids
        return allowed

    events = alert_event_stream(
        service_ids=service_ids,
        last_event_id=last_event_id,
        heartbeat_s=settings.MAPS_LIVE_HEARTBEAT_S,
        hub=hub,
        still_allowed=still_allowed,
    )
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold events back
    return response


@login_required
def commune_map(request, code: str):
    commune = access.staffed_commune_or_404(request.user, code)
    # Always bound: with no parameter every filter is empty and the period is the last 30 days.
    form = CommuneAlertFilterForm(request.GET, commune=commune)
    alerts = selectors.commune_alerts(commune, **form.cleaned_data) if form.is_valid() else Alert.objects.none()
    alert_features = GeneralisedAlertFeatureSerializer(alerts, many=True).data
    context = {
        "commune": commune,
        "form": form,
        "alerts": [feature["properties"] for feature in alert_features["features"]],
        "statistics_url": reverse("statistics-dashboard", args=[commune.code]),
        "map_settings": {
            **map_settings(),
            **boundary_tiles(
                "communes",
                "neighbourhoods",
                "police_sectors",
                highlight=[commune.code],
                bounds=commune.boundary.extent,
            ),
        },
        "map_data": {"alerts": alert_features},
    }
    return render(request, "maps/live/commune.html", context)
