"""The dashboard's opening in plain words: three sentences a mayor can read aloud, built from the
figures already on the page (published counts, the before/after estimate with its interval, the
funnel), with their uncertainty and never a claim of cause: the sentences say "after", never
"because of", and the third says what the figures cannot tell."""

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from alerts.models import Family
from maps.statistics import counts


def _month(text: str) -> str:
    return date_format(dt.date.fromisoformat(f"{text}-01"), "YEAR_MONTH_FORMAT")


def _what_was_counted(statistics: dict, family: str, source: str) -> str:
    total = next((row for row in statistics["commune_totals"] if row["family"] == family), None)
    count = total["count"] if total else None
    what = (
        _("signalements publiés par les habitants")
        if source == counts.ALERTS
        else _("faits enregistrés par la police")
    )
    figures = {
        "family": Family(family).label,
        "what": what,
        "start": _month(statistics["start"]),
        "end": _month(statistics["end"]),
    }
    if count is None:
        return _("%(family)s, de %(start)s à %(end)s : moins de 5 %(what)s dans toute la commune, trop peu pour en "
                 "tirer une tendance.") % figures  # fmt: skip
    return _("%(family)s, de %(start)s à %(end)s : %(n)s %(what)s dans toute la commune.") % {
        **figures,
        "n": number_format(count),
    }


def _what_changed(before_after: dict, family: str) -> str:
    if not before_after.get("available"):
        return _("Pas encore de comparaison avant / après l'adhésion : %(why)s") % {
            "why": before_after.get("message", "")
        }
    row = next((r for r in before_after["rows"] if r["zone_id"] is None and r["family"] == family), None)
    if row is None or row.get("ratio") is None:
        return _("Avant / après l'adhésion : trop peu d'événements pour chiffrer une évolution.")
    change = round(row["percent_change"])
    low, high = round((row["ratio_low"] - 1) * 100), round((row["ratio_high"] - 1) * 100)
    if change == 0:
        lead = _("Dans les %(months)s mois qui ont suivi l'adhésion, le nombre mensuel est resté stable")
    elif change < 0:
        lead = _("Dans les %(months)s mois qui ont suivi l'adhésion, le nombre mensuel a baissé de %(pct)s %%")
    else:
        lead = _("Dans les %(months)s mois qui ont suivi l'adhésion, le nombre mensuel a augmenté de %(pct)s %%")
    lead = lead % {"months": row["months_after"], "pct": abs(change)}
    sure = (
        _("un écart trop net pour être dû au seul hasard")
        if row["significant"]
        else _("un écart que le hasard seul peut expliquer")
    )
    return _(
        "%(lead)s par rapport aux mêmes mois des années précédentes ; compte tenu du hasard, l'évolution réelle se "
        "situe probablement entre %(low)s %% et %(high)s %% : %(sure)s."
    ) % {"lead": lead, "low": f"{low:+d}", "high": f"{high:+d}", "sure": sure}


def _what_it_cannot_say(statistics: dict, family: str, source: str) -> str:
    apart = [r for r in statistics["totals"] if r["family"] == family and r.get("funnel") not in (None, "inside")]
    zones = (
        _("%(n)s zone(s) s'écartent de la moyenne de la commune plus que le hasard ne l'explique.") % {"n": len(apart)}
        if apart
        else _("Aucune zone ne s'écarte de la moyenne de la commune plus que le hasard ne l'explique.")
    )
    caution = _("Ces chiffres décrivent ce qui a changé, pas pourquoi : d'autres causes ont pu jouer en même temps.")
    if source == counts.ALERTS:
        caution += " " + _("Les signalements augmentent aussi quand plus d'habitants s'inscrivent.")
    return f"{zones} {caution}"


def dashboard_summary(*, statistics: dict, before_after: dict, family: str, source: str) -> list[str]:
    return [
        _what_was_counted(statistics, family, source),
        _what_changed(before_after, family),
        _what_it_cannot_say(statistics, family, source),
    ]
