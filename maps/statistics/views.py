"""The mayor's statistics dashboard and its downloads (session login, same access as the API)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.access import agent_service_ids_or_403
from accounts.selectors import time_zone_of
from alerts.models import Family
from maps.statistics import dashboard, disclosure, exports, reports
from maps.statistics.access import statistics_communes
from maps.statistics.apis import statistics_query
from patrols.access import local_today
from patrols.figures import weekly_figures


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
    }
    return render(request, "maps/statistics/dashboard.html", context)


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
    query, error = _export_or_400(request, code)
    if error:
        return error
    response = HttpResponse(
        exports.zone_statistics_csv(reports.zone_statistics(query)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="statistiques-{query.commune.code}.csv"'
    return response


@login_required
def statistics_geojson(request, code: str):
    query, error = _export_or_400(request, code)
    if error:
        return error
    layer = reports.zone_layer(query, reports.zone_statistics(query))
    response = HttpResponse(layer.to_json(drop_id=True), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="statistiques-{query.commune.code}.geojson"'
    return response


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
    weeks = weekly_figures(
        service_ids=service_ids, today=local_today(request.user), time_zone=time_zone_of(request.user)
    )
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
    context = {
        "rows": rows,
        "retention_days": settings.PATROLS_ABSENCE_RETENTION_DAYS,
        "match_m": settings.PATROLS_HOME_MATCH_M,
    }
    return render(request, "maps/statistics/patrol_figures.html", context)
