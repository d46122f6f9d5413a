"""The mayor's statistics dashboard and its downloads (session login, same access as the API)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from alerts.models import Family
from maps.statistics import dashboard, exports, reports
from maps.statistics.access import statistics_communes
from maps.statistics.apis import statistics_query


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
