"""A commune's public account: how its moderation, police follow-up and town-hall messages perform,
per month and per year, counted in SQL, published with the statistics' small-number protection.

Nothing here reads a person: every query returns (month, measure, count, cell key) rows, and only
aggregates leave the database. Counts go through `maps.statistics.disclosure.protected` (the ONS
cell-key perturbation; 0 to 4 read "< 5"): an alert's key is its `cell_key`; a follow-up counts the
alert's key; deliveries and town-hall messages, which have no stored key, use a fixed hash of their
id (`hashtext(id) & 255`), permanent like a stored key. A year is its months added up (counts add,
keys add modulo 256, so the year gets its own perturbation and cannot be differenced into a month).
Where parts of a published total are published (outcomes of the alerts received, reasons for
refusal), a single hidden part would be the total minus the others: the smallest other part is then
hidden too (secondary suppression)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from psycopg import sql

from edge.replica import fetch_all as _fetch
from edge.replica import reads_from_replica
from maps.statistics.disclosure import SMALL_CELL, display, protected
from solidarity.models import Kind
from zones.models import Commune

_MONTH = "(date_trunc('month', {column} AT TIME ZONE %(tz)s))::date"

# Alerts received in the period by their outcome so far: published, merged, pending, or the reason
# for refusal ("rejected:<reason>").
_OUTCOMES = sql.SQL(
    """
    SELECT {month} AS month,
           CASE WHEN a.status = 'rejected' THEN 'rejected:' || a.rejection_reason ELSE a.status END,
           count(*), sum(a.cell_key) %% 256
    FROM alerts_alert a
    WHERE a.commune_id = %(commune)s AND a.created_at >= %(start)s AND a.created_at < %(end)s
    GROUP BY 1, 2"""
).format(month=sql.SQL(_MONTH.format(column="a.created_at")))

# Hours from receipt to publication, by month received and for the whole year (GROUPING SETS).
_DELAYS = sql.SQL(
    """
    SELECT {month} AS month, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.published_at - a.created_at)) / 3600,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM a.published_at - a.created_at)) / 3600
    FROM alerts_alert a
    WHERE a.commune_id = %(commune)s AND a.created_at >= %(start)s AND a.created_at < %(end)s
      AND a.published_at IS NOT NULL
    GROUP BY GROUPING SETS ((1), ())"""
).format(month=sql.SQL(_MONTH.format(column="a.created_at")))

# Alerts whose police follow-up reached a state in the month (each alert once per state and month).
_FOLLOW_UPS = sql.SQL(
    """
    SELECT month, to_state, count(*), sum(cell_key) %% 256 FROM (
        SELECT DISTINCT {month} AS month, t.to_state, t.alert_id, a.cell_key
        FROM alerts_alerttransition t JOIN alerts_alert a ON a.id = t.alert_id
        WHERE t.field = 'follow_up' AND t.to_state IN ('acknowledged', 'in_progress', 'closed')
          AND a.commune_id = %(commune)s AND t.created_at >= %(start)s AND t.created_at < %(end)s
    ) s
    GROUP BY 1, 2"""
).format(month=sql.SQL(_MONTH.format(column="t.created_at")))

# Appeals of refused alerts filed, and decided by a second moderator, in the month (from the audit
# trail, which keeps them when an author's account and appeal are erased). Keyed by the alert's key.
_APPEALS = sql.SQL(
    """
    SELECT {month} AS month, 'appeals_' || t.to_state, count(*), sum(a.cell_key) %% 256
    FROM alerts_alerttransition t JOIN alerts_alert a ON a.id = t.alert_id
    WHERE t.field = 'appeal' AND t.to_state IN ('filed', 'upheld', 'published')
      AND a.commune_id = %(commune)s AND t.created_at >= %(start)s AND t.created_at < %(end)s
    GROUP BY 1, 2"""
).format(month=sql.SQL(_MONTH.format(column="t.created_at")))

_BROADCASTS = sql.SQL(
    """
    SELECT {month} AS month, 'sent', count(*), sum(hashtext(b.id::text) & 255) %% 256
    FROM alerts_broadcast b
    WHERE b.commune_id = %(commune)s AND b.created_at >= %(start)s AND b.created_at < %(end)s
    GROUP BY 1"""
).format(month=sql.SQL(_MONTH.format(column="b.created_at")))

# Mutual help requests published in the month, by kind: a section of its own, never added to the
# alerts (a request is not an incident). Keys are a fixed hash of the id, as for town-hall messages.
_SOLIDARITY = sql.SQL(
    """
    SELECT {month} AS month, r.kind, count(*), sum(hashtext(r.id::text) & 255) %% 256
    FROM solidarity_solidarityrequest r
    WHERE r.commune_id = %(commune)s AND r.published_at >= %(start)s AND r.published_at < %(end)s
    GROUP BY 1, 2"""
).format(month=sql.SQL(_MONTH.format(column="r.published_at")))

# Deliveries of the commune's alerts and messages: every one lands in the Vigie inbox; email and SMS
# count when sent.
_DELIVERIES = sql.SQL(
    """
    SELECT month, channel, count(*), sum(key) %% 256 FROM (
        SELECT {month} AS month, hashtext(d.id::text) & 255 AS key,
               unnest(ARRAY['inbox',
                            CASE WHEN d.email_status = 'sent' THEN 'email' END,
                            CASE WHEN d.sms_status = 'sent' THEN 'sms' END]) AS channel
        FROM alerts_delivery d
        WHERE d.created_at >= %(start)s AND d.created_at < %(end)s
          AND (d.alert_id IN (SELECT id FROM alerts_alert WHERE commune_id = %(commune)s)
               OR d.broadcast_id IN (SELECT id FROM alerts_broadcast WHERE commune_id = %(commune)s))
    ) s
    WHERE channel IS NOT NULL
    GROUP BY 1, 2"""
).format(month=sql.SQL(_MONTH.format(column="d.created_at")))


@dataclass(frozen=True)
class Figure:
    """One published cell: `value` is None when hidden ("< 5") or not computed."""

    section: str
    measure: str
    period: str  # "2026-03" or "2026"
    value: int | float | None
    status: str  # published, under_5, suppressed (hidden so a hidden part cannot be deduced), too_few

    @property
    def display(self) -> str:
        if self.status == "published":
            return str(self.value)
        return "—" if self.status == "too_few" else display(None)


@dataclass(frozen=True)
class PublicAccount:
    commune: Commune
    year: int
    months: list[str]
    figures: list[Figure]


def _cells(rows: list[tuple]) -> dict[tuple[str, str], tuple[int, int]]:
    """{(period, measure): (true count, cell key)} for each month and for the year (months added up)."""
    cells: dict = defaultdict(lambda: (0, 0))
    for month, measure, n, key in rows:
        for period in (month.strftime("%Y-%m"), str(month.year)):
            total, total_key = cells[(period, measure)]
            cells[(period, measure)] = (total + n, (total_key + key) % 256)
    return cells


def _counts(section: str, cells: dict, measures: list[str], periods: list[str]) -> list[Figure]:
    figures = []
    for period in periods:
        for measure in measures:
            shown = protected(*cells.get((period, measure), (0, 0)))
            figures.append(Figure(section, measure, period, shown, "published" if shown is not None else "under_5"))
    return figures


def _suppress_complements(figures: list[Figure], total: str, parts: Sequence[str]) -> list[Figure]:
    """Within each period, when exactly one part of a published total is hidden, hide the smallest
    other part too: a lone hidden part would otherwise be the total minus the parts shown."""
    by_key = {(f.period, f.measure): f for f in figures}
    for period in {f.period for f in figures}:
        if by_key[(period, total)].status != "published":
            continue
        hidden = [p for p in parts if by_key[(period, p)].status != "published"]
        shown = [p for p in parts if by_key[(period, p)].status == "published"]
        if len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda p: by_key[(period, p)].value)
            by_key[(period, smallest)] = Figure(
                by_key[(period, smallest)].section, smallest, period, None, "suppressed"
            )
    return [by_key[(f.period, f.measure)] for f in figures]


def _year_params(commune: Commune, year: int) -> dict:
    zone = ZoneInfo(commune.time_zone)
    start = timezone.make_aware(dt.datetime(year, 1, 1), zone)
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1), zone)
    return {"commune": commune.id, "tz": commune.time_zone, "start": start, "end": end}


REJECTION_REASONS = (
    "accusation_or_naming",
    "discriminatory",
    "not_an_alert",
    "emergency",
    "duplicate",
    "not_enough_information",
)
OUTCOMES = ("published", "rejected", "merged", "pending")
FOLLOW_UP_STATES = ("acknowledged", "in_progress", "closed")
CHANNELS = ("inbox", "email", "sms")
APPEALS = ("appeals_filed", "appeals_upheld", "appeals_published")


def _alert_figures(params: dict, periods: list[str]) -> list[Figure]:
    rows = _fetch(_OUTCOMES, params)
    cells = _cells(rows)
    cells.update(_cells([(m, "received", n, k) for m, _o, n, k in rows]))
    cells.update(_cells([(m, "rejected", n, k) for m, o, n, k in rows if o.startswith("rejected:")]))
    reasons = sorted(
        {f"rejected:{reason}" for reason in REJECTION_REASONS} | {o for _m, o, _n, _k in rows if ":" in o}
    )
    alerts = _suppress_complements(_counts("alerts", cells, ["received", *OUTCOMES], periods), "received", OUTCOMES)
    rejected = _suppress_complements(_counts("alerts", cells, ["rejected", *reasons], periods), "rejected", reasons)
    # A refusal total hidden among the outcomes must not come back as the sum of its reasons.
    withheld = {f.period for f in alerts if f.measure == "rejected" and f.status != "published"}
    return alerts + [
        Figure(f.section, f.measure, f.period, None, "suppressed")
        if f.period in withheld and f.status == "published"
        else f
        for f in rejected
        if f.measure != "rejected"
    ]


def _delay_figures(params: dict, periods: list[str]) -> list[Figure]:
    """Median and 90th percentile hours to publication, only over 5 published alerts or more (fewer
    would describe single alerts), rounded to a tenth of an hour."""
    by_period = {
        (month.strftime("%Y-%m") if month else periods[-1]): (n, median, p90)
        for month, n, median, p90 in _fetch(_DELAYS, params)
    }
    figures = []
    for period in periods:
        n, median, p90 = by_period.get(period, (0, None, None))
        for measure, value in (("hours_to_publication_median", median), ("hours_to_publication_p90", p90)):
            if n >= SMALL_CELL:
                figures.append(Figure("moderation", measure, period, round(value, 1), "published"))
            else:
                figures.append(Figure("moderation", measure, period, None, "too_few"))
    return figures


@reads_from_replica
def public_account(*, commune: Commune, year: int) -> PublicAccount:
    params = _year_params(commune, year)
    months = [f"{year}-{month:02d}" for month in range(1, 13)]
    periods = [*months, str(year)]
    figures = [
        *_alert_figures(params, periods),
        *_delay_figures(params, periods),
        *_counts("appeals", _cells(_fetch(_APPEALS, params)), list(APPEALS), periods),
        *_counts("follow_up", _cells(_fetch(_FOLLOW_UPS, params)), list(FOLLOW_UP_STATES), periods),
        *_counts("town_hall", _cells(_fetch(_BROADCASTS, params)), ["sent"], periods),
        *_counts("deliveries", _cells(_fetch(_DELIVERIES, params)), list(CHANNELS), periods),
        *_counts("solidarity", _cells(_fetch(_SOLIDARITY, params)), list(Kind.values), periods),
    ]
    return PublicAccount(commune=commune, year=year, months=months, figures=figures)


def account_years(commune: Commune, today: dt.date) -> list[int]:
    """The years a public account can be read for: from the year the commune joined (or its first
    alert) to this one."""
    first = commune.alerts.order_by("created_at").values_list("created_at", flat=True).first()
    starts = [d.year for d in (commune.adopted_on, first) if d is not None]
    return list(range(today.year, min(starts, default=today.year) - 1, -1))
