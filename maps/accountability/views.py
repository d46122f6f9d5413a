"""The public account of a commune, readable without logging in, as a page, CSV and JSON."""

import csv
import datetime as dt
import functools
import io

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from maps.accountability.figures import PublicAccount, account_years, public_account
from maps.accountability.labels import SECTIONS, measure_label
from zones.models import Commune

STATUS_NOTES = {
    "under_5": "true count 0 to 4",
    "suppressed": "hidden so that a hidden count cannot be deduced",
    "too_few": "fewer than 5 alerts: not computed",
}


class YearRefused(Exception):
    pass


def _account(request, code: str) -> PublicAccount:
    """The account of a commune that joined Vigie, for the year asked (`annee`, this year by default)."""
    commune = get_object_or_404(Commune.objects.filter(adopted_on__isnull=False), code=code)
    years = account_years(commune, timezone.localdate())
    year = request.GET.get("annee") or str(years[0])
    if not year.isdigit() or int(year) not in years:
        raise YearRefused(
            _("Pas de compte public pour cette année : choisissez une année de %(first)s à %(last)s.")
            % {"first": years[-1], "last": years[0]}
        )
    return public_account(commune=commune, year=int(year))


def _refusing_bad_years(view):
    @functools.wraps(view)
    def wrapped(request, code: str):
        try:
            return view(request, code)
        except YearRefused as message:
            return HttpResponse(str(message), status=400, content_type="text/plain; charset=utf-8")

    return wrapped


@_refusing_bad_years
def public_account_page(request, code: str):
    account = _account(request, code)
    periods = [*account.months, str(account.year)]
    cells = {(f.section, f.measure, f.period): f for f in account.figures}
    sections = []
    for section, title in SECTIONS.items():
        measures = list(dict.fromkeys(f.measure for f in account.figures if f.section == section))
        rows = [(measure_label(m), [cells[(section, m, p)] for p in periods]) for m in measures]
        sections.append((title, rows))
    context = {
        "account": account,
        "sections": sections,
        "months": [dt.date(account.year, month, 1) for month in range(1, 13)],
        "years": account_years(account.commune, timezone.localdate()),
    }
    return render(request, "maps/accountability/account.html", context)


@_refusing_bad_years
def public_account_csv(request, code: str):
    """For analysts: codes, a number column that holds only numbers, and a status column."""
    account = _account(request, code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("commune", "period", "section", "measure", "value", "status"))
    for f in account.figures:
        value = "" if f.value is None else f.value
        writer.writerow((account.commune.code, f.period, f.section, f.measure, value, f.status))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="compte-public-{account.commune.code}-{account.year}.csv"'
    return response


@_refusing_bad_years
def public_account_json(request, code: str):
    account = _account(request, code)
    body = {
        "commune": {"code": account.commune.code, "name": account.commune.name},
        "year": account.year,
        "statuses": {"published": "published figure (counts perturbed by the cell-key method)", **STATUS_NOTES},
        "figures": [
            {"period": f.period, "section": f.section, "measure": f.measure, "value": f.value, "status": f.status}
            for f in account.figures
        ],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
