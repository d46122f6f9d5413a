"""Disclosure control: the cell-key table, and the attacks that recovered hidden counts, replayed over
HTTP as a mayor. Each attack must recover no more hidden counts than guessing would (the best constant
guess, at the 99th percentile of its binomial spread)."""

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from django.db import connection
from scipy import stats

from accounts.models import Role
from alerts.models import Alert
from maps.statistics.before_after import add_months
from maps.statistics.disclosure import perturbation, protected
from tests.auth import staff_client
from tests.factories import UserFactory, make_commune, make_neighbourhood, make_role
from tests.maps.statistics.conftest import publish

STRIPS = 8
MEANS = (0.15, 1.5, 1.5, 6, 6, 6, 6, 6)
FIRST, MONTHS = dt.date(2024, 1, 1), 27  # January 2024 to March 2026; adoption in March 2025


def test_the_perturbation_table_is_unbiased_and_keeps_small_counts_hidden():
    for count in range(5, 60):
        steps = [perturbation(count, key) for key in range(256)]
        assert sum(steps) == 0 and min(count + s for s in steps) >= 5  # mean exactly 0, never under 5
    assert {protected(n, key) for n in range(5) for key in range(256)} == {None}  # 0 to 4 all read "< 5"
    assert Counter(perturbation(40, key) for key in range(256)) == {0: 128, 1: 51, -1: 51, 2: 13, -2: 13}


def test_every_event_gets_a_random_key_from_the_database(db):
    town = make_commune(code="99003", name="Clés", bounds=(5.0, 43.0, 5.02, 43.02))
    publish(town, [(5.001 + i * 0.0001, 43.01) for i in range(200)])
    keys = list(Alert.objects.values_list("cell_key", flat=True))
    assert min(keys) >= 0 and max(keys) <= 255 and len(set(keys)) > 100


@pytest.fixture
def world(db):
    """Eight strips; every strip-month holds a Poisson number of burglaries: mean 0.15 in strip 0 (its
    years are hidden), 1.5 in strips 1-2 (most months hidden), 6 in strips 3-7 (some months hidden)."""
    town = make_commune(code="99004", name="Fines", bounds=(5.0, 43.0, 5.08, 43.02), adopted_on=dt.date(2025, 3, 1))
    width = 0.08 / STRIPS
    strips = [
        make_neighbourhood(
            commune=town, name=f"Bande {i}", bounds=(5.0 + i * width, 43.0, 5.0 + (i + 1) * width, 43.02)
        )
        for i in range(STRIPS)
    ]
    rng = np.random.default_rng(2026)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")  # the events' random keys, the same on every run
    truth: dict = {}
    for i, strip in enumerate(strips):
        for m in range(MONTHS):
            month = add_months(FIRST, m)
            n = int(rng.poisson(MEANS[i]))
            truth[(strip.name, month)] = n
            if n:
                lon0 = 5.0 + i * width
                points = [(lon0 + width * (k + 0.5) / n * 0.9 + width * 0.05, 43.005 + 0.01 * k / n) for k in range(n)]
                publish(town, points, day=month + dt.timedelta(days=12))
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town)
    return {"town": town, "strips": strips, "truth": truth, "client": staff_client(user)}


def zones(world, **params) -> dict | None:
    response = world["client"].get("/api/statistics/zones/", {"commune": "99004", "family": "burglary", **params})
    return response.json() if response.status_code == 200 else None


def no_better_than_chance(guesses: dict, truth: dict) -> None:
    """`guesses` maps hidden cells to the attacker's value; a cell without a guess is a miss."""
    hidden = list(guesses)
    assert len(hidden) >= 10, "too few hidden cells to judge the attack"
    hits = sum(1 for cell in hidden if guesses[cell] is not None and round(guesses[cell]) == truth[cell])
    chance = max(Counter(truth[cell] for cell in hidden).values()) / len(hidden)
    assert hits <= stats.binom.ppf(0.99, len(hidden), chance), (hits, len(hidden), chance)


def year_truth(world, name, year) -> int:
    return sum(n for (strip, month), n in world["truth"].items() if strip == name and month.year == year)


def test_differencing_cumulative_periods_recovers_nothing(world):
    """Windows January..m for every m, and m..December: successive differences would give each month.
    Only the lattice (a month, a quarter, a year) is published; the rest is refused."""
    totals: dict = {}
    for m in range(1, 13):
        for first, last in ((1, m), (m, 12)):
            data = zones(world, **{"from": f"2024-{first:02d}", "to": f"2024-{last:02d}"})
            if data is not None:
                for row in data["totals"]:
                    totals[(row["zone"], first, last)] = row["count"]
    assert zones(world, **{"from": "2024-01", "to": "2024-05"}) is None  # not on the lattice
    guesses = {}
    for strip in world["strips"]:
        for m in range(1, 13):
            cell = (strip.name, dt.date(2024, m, 1))
            month = zones(world, **{"from": f"2024-{m:02d}", "to": f"2024-{m:02d}"})
            shown = next(r["count"] for r in month["totals"] if r["zone"] == strip.name)
            if shown is not None:
                continue
            before, upto = totals.get((strip.name, 1, m - 1)), totals.get((strip.name, 1, m))
            after, since = totals.get((strip.name, m + 1, 12)), totals.get((strip.name, m, 12))
            guess = None
            if before is not None and upto is not None:
                guess = upto - before
            elif after is not None and since is not None:
                guess = since - after
            guesses[cell] = guess
    no_better_than_chance(guesses, world["truth"])


def test_totals_minus_their_published_parts_recover_nothing(world):
    """A year minus its published months gives the hidden month when only one is hidden; the commune
    minus its published zones gives a hidden zone. Each published figure carries its own fixed noise."""
    guesses, truth = {}, dict(world["truth"])
    for year in (2024, 2025):
        data = zones(world, **{"from": f"{year}-01", "to": f"{year}-12"})
        year_rows = {row["zone"]: row["count"] for row in data["totals"]}
        months: dict = {}
        for row in data["months"]:
            months[(row["zone"], row["month"])] = row["count"]
        for strip in world["strips"]:
            cells = [(strip.name, f"{year}-{m:02d}") for m in range(1, 13)]
            hidden = [c for c in cells if months.get(c) is None]
            if year_rows[strip.name] is not None and len(hidden) == 1:
                published = sum(months[c] for c in cells if c not in hidden)
                name, month = hidden[0]
                guesses[(name, dt.date(year, int(month[5:]), 1))] = year_rows[strip.name] - published
        commune = data["commune_totals"][0]["count"]
        shown = [year_rows[s.name] for s in world["strips"]]
        if commune is not None and shown.count(None) == 1:
            name = world["strips"][shown.index(None)].name
            guesses[(name, year)] = commune - sum(n for n in shown if n is not None)
            truth[(name, year)] = year_truth(world, name, year)
    for quarter in range(4):
        first = 3 * quarter + 1
        data = zones(world, **{"from": f"2024-{first:02d}", "to": f"2024-{first + 2:02d}"})
        for row in data["totals"]:
            months = [
                zones(world, **{"from": f"2024-{m:02d}", "to": f"2024-{m:02d}"}) for m in range(first, first + 3)
            ]
            parts = [next(r["count"] for r in month["totals"] if r["zone"] == row["zone"]) for month in months]
            if row["count"] is not None and parts.count(None) == 1:
                guesses[(row["zone"], dt.date(2024, first + parts.index(None), 1))] = row["count"] - sum(
                    p for p in parts if p is not None
                )
    no_better_than_chance(guesses, truth)


def test_the_complement_of_a_hidden_zone_is_never_published(world):
    """The commune's before/after count minus "the rest of the commune" (or minus a comparison of every
    other zone) gave each hidden zone count in one request: no such figure is published any more."""
    client = world["client"]
    guesses, truth = {}, {}
    for strip in world["strips"]:
        others = ",".join(str(s.id) for s in world["strips"] if s.id != strip.id)
        response = client.get(
            "/api/statistics/before-after/", {"commune": "99004", "family": "burglary", "comparison": others}
        )
        rows = response.json()["rows"]
        commune = next(r for r in rows if r["zone_id"] is None)
        row = next(r for r in rows if r["zone_id"] == strip.id)
        for period in ("before", "after"):
            if row[period] is not None:
                continue
            control = (row["comparison"] or {}).get(f"control_{period}")
            guess = None if control is None or commune[period] is None else commune[period] - control
            months = [add_months(FIRST, m) for m in range(MONTHS)]
            wanted = [
                m for m in months if (m < dt.date(2025, 3, 1)) == (period == "before") and m != dt.date(2025, 3, 1)
            ]
            truth[(strip.name, period)] = sum(world["truth"][(strip.name, m)] for m in wanted)
            guesses[(strip.name, period)] = guess
            assert guess is None  # withheld, not merely noisy
    assert guesses  # the world has hidden zone counts


def test_hexagons_give_no_number_to_invert(world):
    """Gi* z-scores with known weights gave every hexagon's count back; hexagons now publish a count
    band and a label, and a single-event hexagon reads like an empty one."""
    response = world["client"].get("/api/statistics/hexagons/", {"commune": "99004", "from": "2024-01"})
    features = response.json()["features"]
    assert {key for f in features for key in f["properties"]} == {"count_band", "place", "spot"}
    assert {f["properties"]["count_band"] for f in features} <= {"< 5", "5-9", "10-19", "20-49", "50+"}
