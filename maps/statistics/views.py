"""The mayor's statistics dashboard and its downloads (session login, same access as the API)."""

import datetime as dt
import io
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from accounts.access import agent_service_ids_or_403
from accounts.selectors import time_zone_of
from alerts.models import Family
from maps.statistics import dashboard, disclosure, exports, reports
from maps.statistics.access import statistics_communes
from maps.statistics.apis import statistics_query
from maps.statistics.council_report import FAILED, PENDING, READY, council_report_mark, council_report_state
from maps.statistics.patrol_crime import recorded_burglaries_near_watched_homes
from maps.tasks import council_report
from patrols.access import local_today
from patrols.figures import weekly_figures
from solidarity.selectors import solidarity_figures


def _query(request, code: str) -> reports.StatisticsQuery:
    return statistics_query(request.user, {**request.GET.dict(), "commune": code})


@login_required
def statistics_index(request):
    return render(request, "maps/statistics/index.html", {"communes": statistics_communes(request.user)})


@login_required
def statistics_dashboard(request, code: str):
    try:
        query = dashboard.dashboard_query(request.user, request.GET.dict(), code)
    except ValidationError as error:
        return render(request, "maps/statistics/invalid.html", {"errors": error.detail, "code": code}, status=400)
    context = {
        **dashboard.cached_dashboard_data(query, today=timezone.localdate()),
        "commune": query.commune,
        "query": query,
        "families": Family.choices,
        "filters": request.GET.urlencode(),
        "periods": _year_choices(timezone.localdate()),
        "period": query.start.strftime("%Y-%m"),
        "filter_items": sorted(request.GET.items()),
        "languages": settings.LANGUAGES,
        "solidarity": _solidarity_figures(query),
    }
    return render(request, "maps/statistics/dashboard.html", context)


def _solidarity_figures(query: reports.StatisticsQuery) -> list[dict]:
    """Mutual help over the dashboard's months, in the commune's own calendar: a section of its own."""
    zone = ZoneInfo(query.commune.time_zone)
    start, end = (dt.datetime.combine(day, dt.time(), tzinfo=zone) for day in (query.start, query.end))
    return solidarity_figures(commune_id=query.commune.id, start=start, end=end)


def _year_choices(today) -> list[tuple[str, str]]:
    """The last five complete calendar years: the page offers the yearly cells of the fixed lattice."""
    return [(f"{year}-01", str(year)) for year in range(today.year - 1, today.year - 6, -1)]


def _export_or_400(request, code: str):
    try:
        return _query(request, code), None
    except ValidationError as error:
        return None, HttpResponse(str(error.detail), status=400, content_type="text/plain; charset=utf-8")


@login_required
def statistics_csv(request, code: str):
    """For French spreadsheets: `;`, decimal comma, UTF-8 with BOM, French headers and labels."""
    return _csv_download(request, code, exports.zone_statistics_csv_spreadsheet, "")


@login_required
def statistics_csv_analysis(request, code: str):
    """For analysts: `,`, decimal point, codes and a separate count_status column."""
    return _csv_download(request, code, exports.zone_statistics_csv_analysis, "-analyse")


def _csv_download(request, code: str, write, suffix: str) -> HttpResponse:
    query, error = _export_or_400(request, code)
    if error:
        return error
    content = write(reports.zone_statistics(query))
    return _attachment(content, "text/csv; charset=utf-8", f"statistiques-{query.commune.code}{suffix}.csv")


def _attachment(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def statistics_geojson(request, code: str):
    query, error = _export_or_400(request, code)
    if error:
        return error
    layer = reports.zone_layer(query, reports.zone_statistics(query))
    return _attachment(
        layer.to_json(drop_id=True), "application/geo+json", f"statistiques-{query.commune.code}.geojson"
    )


@login_required
def statistics_geopackage(request, code: str):
    query, error = _export_or_400(request, code)
    if error:
        return error
    try:
        hexagons, _summary = reports.hexagon_layer(query)
        layers = {
            "zones": reports.zone_layer(query, reports.zone_statistics(query)),
            "hexagones": reports.published_hexagons(hexagons),
            "densite": reports.density_layer(query),
        }
    except reports.StatisticsInputError as message:
        return HttpResponse(str(message), status=400, content_type="text/plain; charset=utf-8")
    return FileResponse(
        exports.geopackage_file(layers),
        as_attachment=True,
        filename=f"statistiques-{query.commune.code}.gpkg",
        content_type="application/geopackage+sqlite3",
    )


@login_required
def patrol_figures(request):
    """Opération Tranquillité Vacances, week by week, for the police of the sectors: every count under
    5 is shown "< 5", as in every other published figure. These rows carry no cell key, and the
    chief already sees every home: the small-number rule applies, not the perturbation."""
    service_ids = agent_service_ids_or_403(request.user)
    today = local_today(request.user)
    weeks = weekly_figures(service_ids=service_ids, today=today, time_zone=time_zone_of(request.user))
    rows = [
        {
            "monday": week.monday,
            "sunday": week.monday + timedelta(days=6),
            "cells": [
                disclosure.display(None if count < disclosure.SMALL_CELL else count)
                for count in (week.declared, week.visits, week.homes_visited, week.burglaries)
            ],
        }
        for week in weeks
    ]
    recorded = [
        {
            "month": month.month,
            "cell": disclosure.display(None if month.burglaries < disclosure.SMALL_CELL else month.burglaries)
            if month.has_data
            else None,
        }
        for month in recorded_burglaries_near_watched_homes(
            service_ids=service_ids, first=weeks[-1].monday, last=today
        )
    ]
    context = {
        "rows": rows,
        "recorded": recorded,
        "retention_days": settings.PATROLS_ABSENCE_RETENTION_DAYS,
        "match_m": settings.PATROLS_HOME_MATCH_M,
        "recorded_match_m": settings.MAPS_PATROL_RECORDED_MATCH_M,
    }
    return render(request, "maps/statistics/patrol_figures.html", context)


@login_required
@require_POST
def statistics_report_request(request, code: str):
    """Queue the council report of the dashboard's filters; the worker lays it out."""
    params = {k: v for k, v in request.POST.dict().items() if k not in ("csrfmiddlewaretoken", "language")}
    try:
        dashboard.dashboard_query(request.user, params, code)
    except ValidationError as error:
        return render(request, "maps/statistics/invalid.html", {"errors": error.detail, "code": code}, status=400)
    languages = dict(settings.LANGUAGES)
    language = request.POST.get("language") if request.POST.get("language") in languages else get_language()
    report_id = uuid.uuid4().hex
    council_report_mark(report_id=report_id, user_id=request.user.id, state=PENDING)
    kwargs = {"report_id": report_id, "user_id": request.user.id, "code": code, "params": params, "language": language}
    try:
        council_report.delay(**kwargs)
    except Exception:  # noqa: BLE001 - a broker that is down: say so rather than wait forever
        council_report_mark(report_id=report_id, user_id=request.user.id, state=FAILED)
    return redirect("statistics-report", code=code, report_id=report_id)


@login_required
def statistics_report(request, code: str, report_id: str):
    """The report when ready (a PDF download), else a page that says where it stands and reloads."""
    state = council_report_state(report_id=report_id, user_id=request.user.id)
    if state is None:
        raise Http404
    if state["state"] == READY:
        return FileResponse(
            io.BytesIO(state["pdf"]), as_attachment=True, filename=state["filename"], content_type="application/pdf"
        )
    return render(request, "maps/statistics/council_report_wait.html", {"state": state["state"], "code": code})
