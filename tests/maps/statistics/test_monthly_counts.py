"""The monthly counts the statistics read equal the events they count: after every kind of write, and
every published figure is the same as the one counted from the events themselves."""

import datetime as dt
import random
import threading
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from alerts.models import Alert, AlertCategory, Family
from maps.models import MonthlyCount
from maps.statistics import counts, dashboard, reports
from maps.statistics.crime_import import POLICE_UK_COLUMNS, crimes_import
from maps.statistics.monthly_counts import monthly_counts_rebuild
from tests.factories import make_commune, make_neighbourhood, make_police_sector, square
from zones import services as zone_services
from zones.models import PoliceService, Zone
from zones.timezones import OVERSEAS_TIME_ZONES, time_zone_of_commune_code

TODAY = dt.date(2026, 11, 25)
WINDOWS = ((None, None), (dt.date(2023, 1, 1), dt.date(2024, 7, 1)), (dt.date(2025, 3, 1), dt.date(2025, 4, 1)))


def cells(commune) -> dict:
    """(kind, zone, month, family key, type) -> (events, cell key sum) of the commune's non-empty rows."""
    rows = MonthlyCount.objects.filter(commune=commune, events__gt=0)
    return {(r.source, r.kind, r.zone_id, r.month, r.family_key, r.category): (r.events, r.cell_key_sum) for r in rows}


def assert_counts_exact():
    """What the triggers kept is what counting every event again gives."""
    assert monthly_counts_rebuild(commit=False).differences == []


def publish_at(commune, lon, lat, at: dt.datetime, category="cambriolage", status="published") -> Alert:
    return Alert.objects.create(
        category=AlertCategory.objects.get(code=category),
        commune=commune,
        location=Point(lon, lat, srid=4326),
        occurred_at=at,
        description="Test",
        status=status,
        published_at=at,
    )


def noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def police_uk_csv(tmp_path, rows, name="street.csv"):
    path = tmp_path / name
    lines = [",".join(POLICE_UK_COLUMNS)]
    lines += [
        f"{i:064x},{month},Met,Met,{lon:.6f},{lat:.6f},On or near X,E01,L,{kind},,"
        for i, (month, lon, lat, kind) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# A town cut into West and East (sharing the edge at 5.01) over its southern three quarters; its
# northern quarter lies outside every neighbourhood; a police sector over its middle.
def world(code: str, x0: float):
    town = make_commune(
        code=code, name=f"Ville {code}", bounds=(x0, 43.0, x0 + 0.02, 43.02), adopted_on=dt.date(2025, 3, 1)
    )
    west = make_neighbourhood(commune=town, name="Ouest", bounds=(x0, 43.0, x0 + 0.01, 43.015), households=900)
    east = make_neighbourhood(commune=town, name="Est", bounds=(x0 + 0.01, 43.0, x0 + 0.02, 43.015), households=700)
    service = PoliceService.objects.create(name=f"PM {code}")
    service.communes.add(town)
    sector = make_police_sector(
        service=service, commune=town, name="Centre", bounds=(x0 + 0.005, 43.005, x0 + 0.015, 43.015)
    )
    return town, west, east, sector


def random_history(town, x0: float, rng: random.Random, n: int) -> list[Alert]:
    """Published and pending alerts over five years, at random places (some exactly on the shared edge or
    on the commune's outline) and times (some in the last hour of a month, local or UTC)."""
    codes = list(AlertCategory.objects.values_list("code", flat=True))
    zone = ZoneInfo(town.time_zone)
    alerts = []
    for i in range(n):
        lon, lat = x0 + rng.random() * 0.02, 43.0 + rng.random() * 0.02
        if i % 13 == 0:
            lon = x0 + 0.01  # on the edge West and East share
        if i % 29 == 0:
            lat = 43.02  # on the commune's outline
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365))
        at = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=zone)
        if i % 7 == 0:  # the last minutes of a month in local time, already the next month in UTC or not
            at = dt.datetime.combine(day.replace(day=1), dt.time(0, 10), tzinfo=zone) - dt.timedelta(minutes=30)
        status = "published" if rng.random() < 0.85 else "pending"
        alerts.append(publish_at(town, lon, lat, at, category=rng.choice(codes), status=status))
    return alerts


def random_changes(alerts: list[Alert], rng: random.Random):
    """Deletions, withdrawals, publications, re-categorisations, moves and re-dating, each through a
    different path (the ORM one row at a time, a queryset update, plain SQL)."""
    codes = list(AlertCategory.objects.values("id"))
    for alert in rng.sample(alerts, len(alerts) // 10):
        alert.delete()
    remaining = list(Alert.objects.filter(id__in=[a.id for a in alerts]))
    Alert.objects.filter(id__in=[a.id for a in rng.sample(remaining, 15)]).update(status="rejected")
    Alert.objects.filter(status="pending", id__in=[a.id for a in remaining]).update(status="published")
    for alert in rng.sample(remaining, 20):
        alert.category_id = rng.choice(codes)["id"]
        alert.save()
    moved = [a.id for a in rng.sample(remaining, 20)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE alerts_alert SET location = ST_Translate(location, 0.004, -0.003), "
            "occurred_at = occurred_at - interval '40 days' WHERE id = ANY(%s)",
            [moved],
        )


def figures(town, source: str) -> list:
    """Every figure the statistics publish for the commune and source, from the selectors to the pages."""
    out = []
    for kind in Zone.Kind.values:
        for family in (None, *Family.values):
            for start, end in WINDOWS:
                events = counts.EventFilter(
                    commune_id=town.id, source=source, family=family, start=start, end=end, time_zone=town.time_zone
                )
                out += [
                    sorted(counts.zone_month_counts(events, kind=kind)),
                    sorted(counts.commune_month_counts(events)),
                    sorted(counts.commune_type_counts(events)),
                    counts.outside_zones(events, kind=kind),
                    counts.months_with_data(events),
                    counts.first_month(events),
                ]
    for family in (None, Family.BURGLARY):
        query = reports.StatisticsQuery(
            commune=town, start=dt.date(2024, 1, 1), end=dt.date(2026, 1, 1), source=source, family=family
        )
        out += [
            reports.zone_statistics(query),
            reports.before_after_table(query, today=TODAY),
            reports.monthly_series(query),
        ]
    query = reports.StatisticsQuery(
        commune=town, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1), source=source, family=Family.BURGLARY
    )
    page = dashboard.dashboard_data(query, today=TODAY)
    out.append({name: value for name, value in page.items() if name != "map"})  # the map's element ids are random
    return out


def raw_figures(town, source: str) -> list:
    with counts.raw_scans():
        return figures(town, source)


def test_every_figure_read_from_the_monthly_counts_equals_the_scan_of_the_events(db, tmp_path):
    rng = random.Random(17)
    towns = [world("99001", 5.0), world("99002", 5.03), world("97411", 5.06)]  # Réunion: its own months
    alerts = []
    for town, *_zones in towns:
        alerts += random_history(town, town.boundary.extent[0], rng, 220)
    crimes = [
        (f"{2023 + i % 3}-{1 + i % 12:02d}", 5.0 + rng.random() * 0.05, 43.0 + rng.random() * 0.02, kind)
        for i, kind in enumerate(["Burglary", "Vehicle crime", "Shoplifting", "Violence and sexual offences"] * 60)
    ]
    crimes_import(path=police_uk_csv(tmp_path, crimes), source="police-uk", commit=True)
    random_changes(alerts, rng)
    # The town redraws West (a new version) and draws a second sector.
    town, west, _east, sector = towns[0]
    zone_services.zone_update_boundary(zone=west, boundary=square(5.0, 43.0, 5.012, 43.016))
    make_police_sector(service=sector.police_service, commune=town, name="Nord", bounds=(5.0, 43.015, 5.02, 43.02))

    assert_counts_exact()
    for town, *_zones in towns:
        for source in (counts.ALERTS, "police-uk"):
            assert figures(town, source) == raw_figures(town, source), (town.code, source)
    # Not vacuous: every kind of place holds counts.
    rows = MonthlyCount.objects.filter(events__gt=0).values_list("source", "kind", "zone_id")
    kinds = {(source, kind, zone is None) for source, kind, zone in rows}
    assert {(s, k, z) for s in ("alerts", "police-uk") for k, z in (("", True), ("neighbourhood", False),
            ("neighbourhood", True), ("police_sector", False), ("police_sector", True))} <= kinds  # fmt: skip


def test_a_publication_counts_in_its_commune_zones_and_local_month_and_a_withdrawal_takes_it_back(db):
    town, west, east, sector = world("97411", 5.0)  # Réunion, UTC+4
    # 23:30 on 31 January in Réunion is still January there (19:30 UTC).
    at = dt.datetime(2025, 1, 31, 23, 30, tzinfo=ZoneInfo("Indian/Reunion"))
    alert = publish_at(town, 5.01, 43.01, at)  # on the West/East edge, inside the sector
    key = str(alert.category_id)
    january = dt.date(2025, 1, 1)
    rows = cells(town)
    assert rows[("alerts", "", None, january, key, "")] == (1, alert.cell_key)
    assert rows[("alerts", "neighbourhood", west.id, january, key, "")][0] == 1
    assert rows[("alerts", "neighbourhood", east.id, january, key, "")][0] == 1
    assert rows[("alerts", "police_sector", sector.id, january, key, "")][0] == 1
    assert len(rows) == 4  # counted in no "outside" row: it is covered
    alert.status = Alert.Status.REJECTED
    alert.save()
    assert cells(town) == {}
    assert_counts_exact()


def test_a_pending_alert_counts_only_once_published_and_an_edit_of_its_text_moves_nothing(db):
    town, west, *_ = world("99001", 5.0)
    alert = publish_at(town, 5.001, 43.001, noon(dt.date(2024, 5, 2)), status="pending")
    assert cells(town) == {}
    Alert.objects.filter(id=alert.id).update(status="published")
    before = MonthlyCount.objects.filter(commune=town).values_list("id", "events")
    snapshot = sorted(before)
    Alert.objects.filter(id=alert.id).update(description="Précision")
    assert sorted(MonthlyCount.objects.filter(commune=town).values_list("id", "events")) == snapshot
    assert cells(town)[("alerts", "neighbourhood", west.id, dt.date(2024, 5, 1), str(alert.category_id), "")][0] == 1


def test_a_category_change_moves_the_count_and_its_key(db):
    town, west, *_ = world("99001", 5.0)
    alert = publish_at(town, 5.001, 43.001, noon(dt.date(2024, 5, 2)), category="cambriolage")
    Alert.objects.filter(id=alert.id).update(category=AlertCategory.objects.get(code="incendie"))
    incendie = str(AlertCategory.objects.get(code="incendie").id)
    assert {key[4] for key in cells(town)} == {incendie}
    assert_counts_exact()


def test_a_category_moved_to_another_family_needs_no_recount(db):
    town, west, *_ = world("99001", 5.0)
    publish_at(town, 5.001, 43.001, noon(dt.date(2024, 5, 2)), category="incendie")
    events = counts.EventFilter(commune_id=town.id, source="alerts", time_zone=town.time_zone)
    assert [row[1] for row in counts.zone_month_counts(events, kind="neighbourhood")] == ["other"]
    AlertCategory.objects.filter(code="incendie").update(family="burglary")
    assert [row[1] for row in counts.zone_month_counts(events, kind="neighbourhood")] == ["burglary"]


def test_an_import_counts_each_batch_once_and_a_reimport_adds_nothing(db, tmp_path):
    town, west, *_ = world("99001", 5.0)
    path = police_uk_csv(
        tmp_path, [("2024-03", 5.001, 43.001, "Burglary")] * 3 + [("2024-04", 5.019, 43.019, "Drugs")]
    )
    crimes_import(path=path, source="police-uk", commit=True)
    rows = cells(town)
    march, april = dt.date(2024, 3, 1), dt.date(2024, 4, 1)
    assert rows[("police-uk", "neighbourhood", west.id, march, "burglary", "Burglary")][0] == 3
    assert rows[("police-uk", "neighbourhood", None, april, "other", "Drugs")][0] == 1  # the unzoned north
    crimes_import(path=path, source="police-uk", commit=True)
    assert cells(town) == rows
    crimes_import(path=path, source="police-uk", commit=False)  # a dry run writes nothing, counts included
    assert cells(town) == rows
    assert_counts_exact()


def test_a_boundary_change_recounts_the_commune_zones_of_that_kind(db):
    town, west, east, sector = world("99001", 5.0)
    alert = publish_at(town, 5.015, 43.018, noon(dt.date(2024, 5, 2)))  # north of East: outside every neighbourhood
    outside = ("alerts", "neighbourhood", None, dt.date(2024, 5, 1), str(alert.category_id), "")
    assert cells(town)[outside][0] == 1
    east = zone_services.zone_update_boundary(zone=east, boundary=square(5.01, 43.0, 5.02, 43.02))
    rows = cells(town)
    assert outside not in rows
    assert rows[("alerts", "neighbourhood", east.id, dt.date(2024, 5, 1), str(alert.category_id), "")][0] == 1
    assert not any(key[2] == west.id or key[2] not in (east.id, sector.id, None) for key in rows)
    zone_services.commune_upsert(code=town.code, name=town.name, boundary=square(5.0, 43.0, 5.02, 43.03))
    assert_counts_exact()


def test_the_rebuild_reports_what_differs_and_repairs_only_with_commit(db):
    town, west, *_ = world("99001", 5.0)
    publish_at(town, 5.001, 43.001, noon(dt.date(2024, 5, 2)))
    MonthlyCount.objects.filter(commune=town, kind="").update(events=7)
    call_command("rebuild_statistics_aggregates")
    assert MonthlyCount.objects.get(commune=town, kind="").events == 7
    report = monthly_counts_rebuild(commit=True)
    assert [(row[7], row[8]) for row in report.differences] == [(7, 1)]
    assert MonthlyCount.objects.get(commune=town, kind="").events == 1
    assert_counts_exact()


def test_the_frozen_sql_knows_every_time_zone_and_zone_kind(db):
    codes = [prefix + "01" for prefix in OVERSEAS_TIME_ZONES] + ["75056", "2A004"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, maps_commune_time_zone(code) FROM unnest(%s::text[]) code", [codes])
        assert dict(cursor.fetchall()) == {code: time_zone_of_commune_code(code) for code in codes}
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'maps_monthlycount_alerts_alert_insert'")
        source = cursor.fetchone()[0]
    assert all(f"'{kind}'" in source for kind in Zone.Kind.values)


def beside_a_publication_in_progress(town, write) -> bool:
    """Runs `write` in a second thread while a first one holds a publication in `town` uncommitted;
    whether `write` had to wait for it (a lock in pg_stat_activity), once both are done."""
    first_written, released = threading.Event(), threading.Event()
    errors = []

    def in_thread(function):
        def run():
            try:
                function()
            except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
                errors.append(error)
            finally:
                connections.close_all()

        return threading.Thread(target=run)

    def publish_holding_the_transaction():
        with transaction.atomic():
            publish_at(town, 5.001, 43.001, noon(dt.date(2024, 5, 2)))
            first_written.set()
            released.wait(timeout=60)

    def second():
        first_written.wait(timeout=60)
        write()

    threads = [in_thread(publish_holding_the_transaction), in_thread(second)]
    for thread in threads:
        thread.start()
    first_written.wait(timeout=60)
    waiting = False
    with connection.cursor() as cursor:
        for _ in range(3000):  # until the second write waits on a lock (a readiness poll, not a delay)
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND backend_type = 'client backend'"
            )
            waiting = cursor.fetchone()[0] == 1
            if waiting or not threads[1].is_alive():
                break
            threading.Event().wait(0.01)
    released.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, [str(error) for error in errors]
    return waiting


@pytest.mark.django_db(transaction=True)
def test_two_publications_in_the_same_cell_at_once_both_count():
    town, west, *_ = world("99001", 5.0)
    # The second publication waits for the first one's row lock on the shared monthly count.
    assert beside_a_publication_in_progress(town, lambda: publish_at(town, 5.002, 43.002, noon(dt.date(2024, 5, 3))))
    key = str(AlertCategory.objects.get(code="cambriolage").id)
    assert cells(town)[("alerts", "neighbourhood", west.id, dt.date(2024, 5, 1), key, "")][0] == 2
    assert_counts_exact()


@pytest.mark.django_db(transaction=True)
def test_a_redrawing_waits_for_a_publication_in_progress_in_its_commune_and_counts_it_once():
    town, west, *_ = world("99001", 5.0)
    publish_at(town, 5.003, 43.003, noon(dt.date(2024, 5, 4)))
    redraw = lambda: zone_services.zone_update_boundary(zone=west, boundary=square(5.0, 43.0, 5.011, 43.015))  # noqa: E731
    assert beside_a_publication_in_progress(town, redraw)
    key = str(AlertCategory.objects.get(code="cambriolage").id)
    new_west = Zone.objects.current().get(commune=town, name="Ouest")
    assert cells(town)[("alerts", "neighbourhood", new_west.id, dt.date(2024, 5, 1), key, "")][0] == 2
    assert_counts_exact()
    # Another commune's publications do not wait for it.
    other, *_ = world("99002", 5.03)
    assert not beside_a_publication_in_progress(
        town, lambda: publish_at(other, 5.031, 43.001, noon(dt.date(2024, 5, 3)))
    )


def advisory_locks_held() -> list[tuple]:
    """The monthly counts' advisory locks this connection holds: (class, commune or 0, mode)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT classid::int, objid::int, mode FROM pg_locks"
            " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 2 AND classid IN (1716, 1717)"
            " ORDER BY 1, 2"
        )
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_neighbourhoods_of_many_communes_in_one_statement_take_one_lock_wait_for_publications_and_count():
    # A national import inserts every commune's neighbourhoods in one statement; one lock per commune
    # would exhaust PostgreSQL's lock table (6,400 entries by default) long before 34,867 communes.
    town, *_ = world("99001", 5.0)
    publish_at(town, 5.012, 43.018, noon(dt.date(2024, 5, 2)))  # outside every neighbourhood of the town
    many = [
        make_commune(code=f"98{i:03d}", name=f"Bourg {i}", bounds=(6 + i * 0.01, 44.0, 6.01 + i * 0.01, 44.01))
        for i in range(260)
    ]
    held = []

    def insert_all_at_once():
        with transaction.atomic():
            Zone.objects.bulk_create(
                [
                    Zone(commune=c, kind=Zone.Kind.NEIGHBOURHOOD, name="Tout", boundary=c.boundary, households=1)
                    for c in [*many, town]
                ]
            )
            held.extend(advisory_locks_held())

    # A publication in progress anywhere holds the whole counts' lock in shared mode: the import waits.
    assert beside_a_publication_in_progress(town, insert_all_at_once)
    assert held == [(1716, 0, "ExclusiveLock")]
    key = str(AlertCategory.objects.get(code="cambriolage").id)
    whole = Zone.objects.current().get(commune=town, name="Tout")
    assert cells(town)[("alerts", "neighbourhood", whole.id, dt.date(2024, 5, 1), key, "")][0] == 2
    assert_counts_exact()


@pytest.mark.django_db(transaction=True)
def test_a_publication_holds_the_whole_counts_lock_shared_and_its_commune_s():
    town, *_ = world("99001", 5.0)
    with transaction.atomic():
        publish_at(town, 5.001, 43.001, noon(dt.date(2024, 5, 2)))
        locks = advisory_locks_held()
    assert locks == [(1716, 0, "ShareLock"), (1717, town.id, "ShareLock")]
