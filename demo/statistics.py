"""Demo data of the statistics part; see demo/loading.py.

Published alerts in Tarascon (13108) from three years before its adoption date to the last complete
month before the demo is loaded, spread over its
neighbourhoods (or the whole commune if it has none) with a modest peak just before the date and
a small drop after it, plus the SSMSI yearly series of recorded crime. Demo alerts carry DEMO_MARK
in their description, so loading twice adds nothing."""

import datetime as dt
import tempfile
from pathlib import Path

from django.db import connection
from django.utils import timezone

from alerts.models import Alert, AlertCategory
from maps.statistics.before_after import add_months, month_start, months_between
from maps.statistics.crime_import import crimes_import
from zones.models import Commune

DEMO_COMMUNE = "13108"
DEMO_MARK = "[démo statistiques]"
# family: (categories, events a month in the whole commune before, change after, peak factor of
# the 3 months before the date)
PLAN = {
    "burglary": (["cambriolage", "tentative-cambriolage"], 7.0, -0.20, 2.0),
    "incivility": (["degradation", "tag", "depot-sauvage", "nuisance", "rodeo"], 12.0, -0.10, 1.0),
    "theft": (["vol-vehicule", "vol-dans-vehicule", "vol-jardin"], 5.0, 0.0, 1.0),
}

ALERTS_SQL = """
    WITH centre AS (
        SELECT ST_Buffer(coalesce(town_hall, ST_PointOnSurface(boundary))::geography, 1500)::geometry AS town
        FROM zones_commune WHERE id = %(commune)s
    ),
    regions AS (
        SELECT boundary FROM zones_zone
        WHERE commune_id = %(commune)s AND kind = 'neighbourhood' AND valid_until IS NULL
        UNION ALL
        SELECT boundary FROM zones_commune
        WHERE id = %(commune)s
          AND NOT EXISTS (SELECT 1 FROM zones_zone WHERE commune_id = %(commune)s AND kind = 'neighbourhood'
                          AND valid_until IS NULL)
    ),
    -- Events happen where people live: inside each neighbourhood, within 1.5 km of the town hall
    -- when the neighbourhood reaches that far.
    areas AS (
        SELECT CASE WHEN ST_Intersects(r.boundary, centre.town) THEN ST_Intersection(r.boundary, centre.town)
                    ELSE r.boundary END AS boundary
        FROM regions r, centre
    ),
    sized AS (SELECT boundary, ST_Area(boundary::geography) AS area FROM areas WHERE NOT ST_IsEmpty(boundary)),
    zones AS (SELECT boundary, area / sum(area) OVER () AS share, row_number() OVER () AS rank FROM sized),
    months AS (SELECT m, (%(start)s::date + make_interval(months => m))::date AS month
               FROM generate_series(0, %(months)s - 1) m),
    planned AS (
        SELECT z.boundary, z.rank, mo.m, mo.month,
               greatest(0, round(
                   %(rate)s * z.share
                   * (1 + 0.2 * sin(2 * pi() * extract(month FROM mo.month) / 12))
                   * CASE WHEN mo.month >= %(adopted)s THEN 1 + %(change)s
                          WHEN mo.month >= %(peak_from)s THEN %(peak)s ELSE 1 END
                   + (random() - 0.5) * 2))::int AS n
        FROM zones z CROSS JOIN months mo
    )
    INSERT INTO alerts_alert
        (category_id, commune_id, location, occurred_at, description, status, follow_up, follow_up_outcome,
         rejection_reason, rejection_note, created_at, published_at)
    SELECT (%(categories)s::bigint[])[1 + floor(random() * cardinality(%(categories)s::bigint[]))::int],
           %(commune)s, p.geom, t.at, %(description)s, 'published', 'closed', 'Traitée par la police municipale.',
           '', '', t.at, t.at + interval '3 hours'
    FROM planned
    CROSS JOIN LATERAL (
        SELECT (ST_Dump(ST_GeneratePoints(
            planned.boundary, planned.n, (10000 * %(family_rank)s + 100 * planned.m + planned.rank)::int))).geom
    ) p
    -- The time depends on the point, so every alert gets its own (a lateral subquery without a
    -- reference to the row would be evaluated once).
    CROSS JOIN LATERAL (
        SELECT (planned.month + (abs(hashtext(ST_AsText(p.geom))) %% 2600) / 100.0 * interval '1 day'
                + interval '7 hours') AT TIME ZONE 'Europe/Paris' AS at
    ) t
    WHERE planned.n > 0 AND t.at < %(until)s"""

SSMSI_YEARS = {
    2022: {
        "Cambriolages de logement": 78,
        "Destructions et dégradations volontaires": 131,
        "Vols violents sans arme": 9,
    },
    2023: {
        "Cambriolages de logement": 84,
        "Destructions et dégradations volontaires": 140,
        "Vols violents sans arme": 7,
    },
    2024: {
        "Cambriolages de logement": 93,
        "Destructions et dégradations volontaires": 138,
        "Vols violents sans arme": None,
    },
    2025: {
        "Cambriolages de logement": 76,
        "Destructions et dégradations volontaires": 129,
        "Vols violents sans arme": 6,
    },
}


def demo_commune() -> Commune | None:
    return Commune.objects.filter(code=DEMO_COMMUNE).first()


def demo_statistics_alerts(today: dt.date | None = None) -> None:
    """Published alerts in Tarascon from three years before its adoption date to the last complete month."""
    commune = demo_commune()
    if commune is None or Alert.objects.filter(commune=commune, description__startswith=DEMO_MARK).exists():
        return
    adopted = month_start(commune.adopted_on or dt.date(2025, 3, 1))
    # Three years before the adoption date: the before/after compares the same months of up to three
    # earlier years, and the regression-to-the-mean check needs earlier years to judge the peak.
    start = add_months(adopted, -36)
    # Up to the last complete month before the day the demo is loaded, and at least the two years
    # around the adoption date: a series that stopped months ago would read as a collapse.
    until = month_start(today or timezone.localdate())
    months = max(48, months_between(start, until))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.13108)")
        for family_rank, (family, (codes, rate, change, peak)) in enumerate(PLAN.items()):
            ids = list(AlertCategory.objects.filter(code__in=codes).values_list("id", flat=True))
            cursor.execute(
                ALERTS_SQL,
                {
                    "commune": commune.id,
                    "start": start,
                    "months": months,
                    "rate": rate,
                    "adopted": adopted,
                    "change": change,
                    "peak_from": add_months(adopted, -3),
                    "peak": peak,
                    "categories": ids,
                    "family_rank": family_rank,
                    "description": f"{DEMO_MARK} {family} : signalement de démonstration.",
                    "until": timezone.make_aware(dt.datetime.combine(until, dt.time())),
                },
            )


def demo_statistics_recorded_crime() -> None:
    """SSMSI yearly recorded crime of Tarascon, one figure not diffused (imported like a real file)."""
    commune = demo_commune()
    if commune is None:
        return
    lines = ["CODGEO_2025;annee;indicateur;unite_de_compte;nombre;taux_pour_mille;est_diffuse;insee_pop;insee_log"]
    for year, figures in SSMSI_YEARS.items():
        for indicator, count in figures.items():
            diffused = "diff" if count is not None else "ndiff"
            lines.append(f"{DEMO_COMMUNE};{year};{indicator};Infraction;{count or 'NA'};NA;{diffused};15000;7000")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ssmsi-demo-tarascon.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        crimes_import(path=path, source="ssmsi", commit=True)


STEPS: list = [demo_statistics_alerts, demo_statistics_recorded_crime]
