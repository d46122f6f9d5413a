"""The mayor's dashboard on the demo commune as a browser and a worker see it (issue #18).

Needs the demo data in the database of `.env` (`manage.py load_demo`) and static files collected.
Starts uvicorn (config.asgi) on a free port and a Celery worker, signs the demo mayor of Tarascon in
(a session with a verified second factor, as after the login form), then:
- opens the dashboard in headless Chromium and reads, from the Performance API of the same load, when
  the map drew its first shapes (a mark set in the frame after Leaflet put the first vector shape in
  its overlay pane, by an observer installed before the page's scripts, so that a version of the page
  without its own mark is measured the same way) and the server's time to the first byte; with the
  figures computed afresh (their cache entry deleted, as after any change of the data) and with the
  data unchanged since they were computed. Floor: the browser's blank page with Leaflet alone (the
  same static files, no data).
- asks the worker for the council report PDF and times it from the request to the PDF in the cache.

    .venv/bin/python bench/dashboard_browser.py [--loads 5]"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.templatetags.static import static  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from live_map import free_port, start_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from maps.statistics import caching, dashboard  # noqa: E402
from maps.statistics.council_report import PENDING, READY, council_report_mark, council_report_state  # noqa: E402
from maps.tasks import council_report  # noqa: E402
from zones.models import Commune  # noqa: E402

DEMO_CODE = "13108"  # Tarascon
MAYOR = "maire.banc-tableau@vigie.invalid"


def mayor_session(commune: Commune) -> tuple[User, str]:
    user, _ = User.objects.get_or_create(email=MAYOR)
    Role.objects.get_or_create(user=user, kind=Role.Kind.MAYOR, commune=commune)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return user, session.session_key


# Set before any script of the page: the first vector shape Leaflet puts in its overlay pane, after
# the next frame. The same measure for any version of the page (the page's own mark, when it has
# one, is set the same way).
FIRST_SHAPE = """new MutationObserver(function (changes, observer) {
    if (!document.querySelector('.leaflet-overlay-pane path')) return;
    observer.disconnect();
    requestAnimationFrame(function () { performance.mark('bench-first-shape'); });
}).observe(document, {childList: true, subtree: true});"""

DRAWN = """() => new Promise((resolve) => {
    const read = () => {
        const mark = performance.getEntriesByName('bench-first-shape')[0];
        if (!mark) return performance.now() > 120000 ? resolve(null) : setTimeout(read, 10);
        const nav = performance.getEntriesByType('navigation')[0];
        resolve({drawn: mark.startTime, ttfb: nav.responseStart - nav.requestStart});
    };
    read();
})"""

FLOOR_PAGE = """<!doctype html><html><head><link rel="stylesheet" href="{css}"><script src="{js}"></script></head>
<body><div id="m" style="height:520px"></div><script>
const map = L.map('m').setView([43.8, 4.66], 13);
L.polygon([[43.79, 4.64], [43.82, 4.64], [43.82, 4.68]]).addTo(map);
</script></body></html>"""


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def start_worker() -> subprocess.Popen:
    hostname = f"bench-{uuid.uuid4().hex[:8]}@localhost"
    worker = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=1"]
        + [f"--hostname={hostname}", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if celery_app.control.ping(destination=[hostname], timeout=2.0):
            return worker
    raise RuntimeError("the Celery worker did not answer in time")


def council_pdf_seconds(user: User, code: str) -> tuple[float, int]:
    report_id = uuid.uuid4().hex
    council_report_mark(report_id=report_id, user_id=user.id, state=PENDING)
    start = time.perf_counter()
    council_report.delay(report_id=report_id, user_id=user.id, code=code, params={}, language="fr")
    while (state := council_report_state(report_id=report_id, user_id=user.id))["state"] == PENDING:
        time.sleep(0.05)
    assert state["state"] == READY, state["state"]
    return time.perf_counter() - start, len(state["pdf"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    commune = Commune.objects.get(code=DEMO_CODE)
    user, session_key = mayor_session(commune)
    with translation.override("fr"):
        key = caching.cache_key(
            "dashboard", dashboard.dashboard_query(user, {}, commune.code), today=timezone.localdate()
        )
    port = free_port()
    server = start_server(port, 1)
    worker = None
    try:
        base = f"http://127.0.0.1:{port}"
        url = f"{base}/statistiques/{commune.code}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            # No service worker: it would send the floor page to the network instead of the route below.
            context = browser.new_context(
                locale="fr-FR", viewport={"width": 1280, "height": 900}, service_workers="block"
            )
            context.add_cookies([{"name": "sessionid", "value": session_key, "url": base}])
            context.add_init_script(FIRST_SHAPE)
            page = context.new_page()
            page.set_default_timeout(300_000)  # a loaded machine: the first computation takes a while
            page.goto(url)  # the server's first request: imports, connections
            results = {"afresh": [], "unchanged": []}
            for _ in range(args.loads):
                cache.delete(key)  # as after any change of the commune's data (its fingerprint is in the key)
                page.goto(url, wait_until="commit")
                results["afresh"].append(page.evaluate(DRAWN))
                page.goto(url, wait_until="commit")
                results["unchanged"].append(page.evaluate(DRAWN))
            floor = []
            floor_page = FLOOR_PAGE.format(
                css=static("vendor/leaflet/leaflet.css"), js=static("vendor/leaflet/leaflet.js")
            )
            page.route(f"{base}/floor", lambda route: route.fulfill(body=floor_page, content_type="text/html"))
            for _ in range(args.loads):
                page.goto(f"{base}/floor", wait_until="commit")
                floor.append(page.evaluate(DRAWN)["drawn"])
            browser.close()
        floor_ms = statistics.median(floor)
        print(f"load average {load_average()}")
        for name, runs in results.items():
            drawn = statistics.median(r["drawn"] for r in runs)
            ttfb = statistics.median(r["ttfb"] for r in runs)
            print(
                f"demo commune dashboard in Chromium, figures {name}: first map drawn {drawn:.0f} ms after "
                f"navigation (median of {len(runs)}; min {min(r['drawn'] for r in runs):.0f}, max "
                f"{max(r['drawn'] for r in runs):.0f}), server time to first byte {ttfb:.0f} ms; floor (Leaflet "
                f"alone, one shape, no data) {floor_ms:.0f} ms: x{drawn / floor_ms:.1f}"
            )
        worker = start_worker()
        council_pdf_seconds(user, commune.code)  # the worker's first task: imports WeasyPrint, Pango
        runs = []
        for _ in range(3):
            cache.delete(key)  # each report computed afresh, as after a change of the data
            runs.append(council_pdf_seconds(user, commune.code))
        print(
            f"council report PDF in the Celery worker, figures computed afresh: "
            f"{statistics.median(s for s, _size in runs):.1f} s (median of 3; {runs[0][1] // 1024} KiB); "
            f"load average {load_average()}"
        )
    finally:
        for process in (server, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        User.objects.filter(email=MAYOR).delete()


if __name__ == "__main__":
    main()
