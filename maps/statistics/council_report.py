"""The report for the municipal council: the dashboard of a chosen period as a PDF, in French or
English, built by a Celery worker (`maps.council_report`) and kept in the shared cache for its
requester to download.

WeasyPrint lays the report out from HTML and CSS: the same templates, translations and number
formats as the page, real text in the PDF (searchable, readable by screen readers, and by the
tests), vector SVG charts and maps, and no browser to run on the server (a headless Chromium would
do the same at ten times the memory). Its only system need is Pango. The figures come from
`dashboard.cached_dashboard_data`: the report prints what the page shows, computed once."""

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation

from maps.statistics import dashboard, rendering, reports

REPORT_TIMEOUT_S = 24 * 3600
PENDING, READY, FAILED = "pending", "ready", "failed"


def council_report_html(*, query: reports.StatisticsQuery, today: dt.date) -> str:
    data = dashboard.cached_dashboard_data(query, today=today)
    zones = reports.zone_layer(query, data["statistics"])
    context = {
        **data,
        "commune": query.commune,
        "query": query,
        "today": today,
        "language": translation.get_language(),
        "zone_map": rendering.zone_map_svg(
            geojson=zones.to_json(drop_id=True), value="rate_per_1000_per_year", bounds=query.commune.boundary.extent
        ),
        "zone_legend": data["map"].legends[0] if data["map"].legends else None,
    }
    return render_to_string("maps/statistics/council_report.html", context)


def council_report_pdf(*, query: reports.StatisticsQuery, today: dt.date) -> bytes:
    from weasyprint import HTML  # loads Pango: only where a report is made

    return HTML(string=council_report_html(query=query, today=today), base_url=str(settings.BASE_DIR)).write_pdf()


def _key(report_id: str, user_id: int) -> str:
    # The requester's id is part of the key: another person holding the address finds nothing.
    return f"council-report:{user_id}:{report_id}"


def council_report_mark(*, report_id: str, user_id: int, state: str, pdf: bytes = b"", filename: str = "") -> None:
    cache.set(_key(report_id, user_id), {"state": state, "pdf": pdf, "filename": filename}, REPORT_TIMEOUT_S)


def council_report_state(*, report_id: str, user_id: int) -> dict | None:
    return cache.get(_key(report_id, user_id))
