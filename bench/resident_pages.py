"""CPU time and queries per request of the two pages residents open most (#20): their neighbourhood
map (/carte/quartier/) and their inbox (/messages/), as the national load test opens them.

    .venv/bin/python manage.py load_demo          # once
    .venv/bin/python bench/resident_pages.py --before 9ab6b82 --rounds 3 --requests 60

Data (created once, idempotent, in the worktree's own database): the demo's Tarascon plus 2,000
verified residents spread over its neighbourhoods and 300 alerts published over the last 30 days
at random places in the commune, each routed as publication routes it (deliveries, routed zones);
the measured resident is the demo's habitant1, with three alerts of their own among them, and 40
messages in their inbox (as if they also followed places elsewhere in the commune).

Each page is asked through Django's whole stack (test client, every middleware, DEBUG off, the
template loader cached) by a signed-in resident, after a warm-up; the figure is the process's CPU
time (user + system: Python, and the client side of the database driver; PostgreSQL's own CPU is
another process) divided by the requests, and the queries of one request. The floor is a view that
renders a tiny template to the same signed-in resident through the same middleware; the bare request,
the same tiny template to an anonymous visitor (no session, no user row). The "before"
code is the commit named by --before (exported with `git archive`), measured in the same run,
rounds alternating, against the same database. PostgreSQL's own time per page is the sum of the
planning and execution times EXPLAIN ANALYZE gives for the page's queries, replayed after the
measured requests."""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PAGES = {"map": "/carte/quartier/", "inbox": "/messages/", "floor": "/bench/floor/", "bare": "/bench/bare/"}
RESIDENT = "habitant1@vigie.test"
TARASCON = "13108"
RESIDENTS, ALERTS, OWN_ALERTS, INBOX = 2000, 300, 3, 40
UNUSABLE = "!"  # Django's mark of a password nobody can log in with: the bench signs in by session


def django_setup(code_dir: Path) -> None:
    sys.path.insert(0, str(code_dir))
    os.chdir(code_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "False"  # no query log, no debug templates: as in production
    os.environ.setdefault("CONN_MAX_AGE", "60")  # connections kept, as config/settings/prod.py does
    os.environ["CELERY_BROKER_URL"] = "memory://"  # the sending that routing queues goes nowhere
    import django

    django.setup()


def data_ensure() -> None:
    """2,000 residents and 300 routed alerts in Tarascon, once."""
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Residence, User
    from accounts.services import residence_neighbourhoods_refresh
    from alerts.models import Alert, AlertCategory
    from delivery.routing import alert_route
    from zones.models import Commune

    if User.objects.filter(email__startswith="bench.pages.").exists():
        return
    rng = random.Random(20)
    commune = Commune.objects.get(code=TARASCON)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X((d).geom), ST_Y((d).geom) FROM (SELECT ST_Dump(ST_GeneratePoints(boundary, %s, 20)) AS d"
            " FROM zones_commune WHERE id = %s) AS points",
            [RESIDENTS + ALERTS, commune.id],
        )
        points = [Point(x, y, srid=4326) for x, y in cursor.fetchall()]
    resident = User.objects.get(email=RESIDENT)
    categories = list(AlertCategory.objects.filter(is_active=True))
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"bench.pages.{n}@vigie.test", display_name=f"Voisin {n}", password=UNUSABLE)
            for n in range(RESIDENTS)
        )
        residences = Residence.objects.bulk_create(
            Residence(user=user, address="1 rue du Banc", home=point, commune=commune, status="verified")
            for user, point in zip(users, points[:RESIDENTS], strict=True)
        )
        residence_neighbourhoods_refresh(residence_ids=[residence.id for residence in residences])
    home = Residence.objects.get(user=resident).home
    for n, point in enumerate(points[RESIDENTS:]):
        own = n < OWN_ALERTS
        published = now - timedelta_minutes(rng.randint(10, 29 * 24 * 60))
        with transaction.atomic():
            alert = Alert.objects.create(
                author=resident if own else rng.choice(users),
                category=rng.choice(categories),
                commune=commune,
                location=Point(home.x + 0.001 * n, home.y, srid=4326) if own else point,
                occurred_at=published - timedelta_minutes(30),
                description=f"Signalement de banc numéro {n} : portail ouvert, personne vue repartir.",
                status=Alert.Status.PUBLISHED,
                published_at=published,
            )
            alert_route(alert_id=alert.id)


def inbox_ensure() -> None:
    """The resident also follows places elsewhere in the commune (#21): their inbox holds INBOX
    messages (two pages), of alerts that publication routed."""
    from accounts.models import User
    from alerts.models import Alert
    from delivery.models import Delivery
    from partitions.monthly import month_of

    resident = User.objects.get(email=RESIDENT)
    have = Delivery.objects.filter(recipient=resident)
    missing = INBOX - have.count()
    if missing <= 0:
        return
    alerts = (
        Alert.objects.filter(description__startswith="Signalement de banc")
        .exclude(id__in=have.filter(alert__isnull=False).values("alert_id"))
        .order_by("-published_at")[:missing]
    )
    Delivery.objects.bulk_create(
        Delivery(
            recipient=resident,
            kind=Delivery.Kind.ALERT,
            alert=alert,
            created_at=alert.published_at,
            month=month_of(alert.created_at),  # the alert's month, as routing writes it
        )
        for alert in alerts
    )


def timedelta_minutes(minutes: int):
    from datetime import timedelta

    return timedelta(minutes=minutes)


def floor_view(request):
    from django.contrib.auth.decorators import login_required
    from django.template import engines

    @login_required
    def view(request):
        from django.http import HttpResponse

        template = engines["django"].from_string("<!doctype html><title>Vigie</title><p>{{ user.pk }}</p>")
        return HttpResponse(template.render({"user": request.user}, request))

    return view(request)


def bare_view(request):
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string("<!doctype html><title>Vigie</title><p>{{ user.pk }}</p>")
    return HttpResponse(template.render({"user": None}, request))


def measure(code_dir: Path, requests: int) -> None:
    """One round: each page warmed, then `requests` requests; prints one line per page."""
    django_setup(code_dir)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import include, path

    from accounts.models import User

    module = sys.modules[__name__]
    module.urlpatterns = [
        path("bench/floor/", floor_view),
        path("bench/bare/", bare_view),
        path("", include("config.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(User.objects.get(email=RESIDENT))
    for name, url in PAGES.items():
        client = Client(HTTP_HOST="127.0.0.1") if name == "bare" else signed_in
        for _ in range(10):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        queries: list[tuple[str, object]] = []

        def counted(execute, sql, params, many, context, queries=queries):
            queries.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            size = len(client.get(url).content)
        pg_ms = postgresql_ms(queries)
        walls = []
        cpu = time.process_time()
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            walls.append(time.perf_counter() - started)
        cpu_ms = (time.process_time() - cpu) * 1000 / requests
        print(
            f"{name} cpu_ms={cpu_ms:.2f} wall_median_ms={statistics.median(walls) * 1000:.2f}"
            f" queries={len(queries)} bytes={size} pg_ms={pg_ms:.2f}",
            flush=True,
        )


def postgresql_ms(queries: list[tuple[str, object]], repeats: int = 5) -> float:
    """PostgreSQL's own time for the page's queries: planning + execution as EXPLAIN ANALYZE reports
    them, summed over the queries, the median of `repeats` passes. Only reads are explained (EXPLAIN
    ANALYZE would run a write); a page that writes says so by counting fewer here."""
    from django.db import connection

    passes = []
    for _ in range(repeats):
        total = 0.0
        with connection.cursor() as cursor:
            for sql, params in queries:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, SUMMARY ON, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
                total += plan["Planning Time"] + plan["Execution Time"]
        passes.append(total)
    return statistics.median(passes)


def run_round(code_dir: Path, requests: int) -> dict[str, dict[str, float]]:
    output = subprocess.run(  # noqa: S603 - this interpreter and this file
        [sys.executable, __file__, "--measure", str(code_dir), "--requests", str(requests)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "ENV_FILE": str(HERE / ".env")},
    ).stdout
    figures = {}
    for line in output.splitlines():
        name, *pairs = line.split()
        figures[name] = {key: float(value) for key, value in (pair.split("=") for pair in pairs)}
    return figures


def report(label: str, rounds: list[dict], floor_cpu: float) -> None:
    for name in PAGES:
        cpu = [figures[name]["cpu_ms"] for figures in rounds]
        wall = [figures[name]["wall_median_ms"] for figures in rounds]
        pg = statistics.median(figures[name]["pg_ms"] for figures in rounds)
        median, each = statistics.median(cpu), ", ".join(f"{c:.2f}" for c in cpu)
        print(
            f"  {label:6} {name:6} CPU ms/page median {median:6.2f} (rounds {each});"
            f" wall median {statistics.median(wall):6.2f} ms; queries {rounds[0][name]['queries']:.0f};"
            f" {rounds[0][name]['bytes'] / 1024:.1f} KiB; {median / floor_cpu:.2f}x the floor;"
            f" PostgreSQL {pg:.2f} ms/page (plan + run)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="", help="commit to compare with (exported with git archive)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure), args.requests)
        return
    django_setup(HERE)
    data_ensure()
    inbox_ensure()
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()}")
    codes = {"after": HERE}
    with tempfile.TemporaryDirectory(prefix="resident-pages-") as before_dir:
        if args.before:
            git = ["git", "archive", args.before]
            archive = subprocess.run(git, cwd=HERE, check=True, capture_output=True)  # noqa: S603, S607
            subprocess.run(["tar", "-x", "-C", before_dir], input=archive.stdout, check=True)  # noqa: S603, S607
            subprocess.run(
                [sys.executable, "manage.py", "compilemessages", "-v", "0"],
                cwd=before_dir,
                check=False,
                capture_output=True,
                env={**os.environ, "ENV_FILE": str(HERE / ".env")},
            )
            codes = {"before": Path(before_dir), "after": HERE}
        rounds: dict[str, list] = {label: [] for label in codes}
        for _ in range(args.rounds):
            for label, code_dir in codes.items():
                rounds[label].append(run_round(code_dir, args.requests))
    print(f"load average at end: {Path('/proc/loadavg').read_text().strip()}")
    floor = statistics.median(figures["floor"]["cpu_ms"] for figures in rounds["after"])
    for label, label_rounds in rounds.items():
        report(label, label_rounds, floor)
    if "before" in rounds:
        for name in ("map", "inbox"):
            before = statistics.median(figures[name]["cpu_ms"] for figures in rounds["before"])
            after = statistics.median(figures[name]["cpu_ms"] for figures in rounds["after"])
            before_pg = statistics.median(figures[name]["pg_ms"] for figures in rounds["before"])
            after_pg = statistics.median(figures[name]["pg_ms"] for figures in rounds["after"])
            print(
                f"  {name}: before / after = {before / after:.2f} (Python);"
                f" {(before + before_pg) / (after + after_pg):.2f} (Python + PostgreSQL)"
            )


if __name__ == "__main__":
    main()
